"""What the status page reads: the public incidents, through a port the incidents table adapter implements."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.incidents.model import Incident


class IncidentReader(Protocol):
    def public(self, now: datetime, days: int = 90) -> list[Incident]:
        """Every incident the public may see at ``now``.

        The open ones (investigating, identified, monitoring), scheduled maintenance that is announced
        or in progress, and those closed (resolved, completed) within the last ``days``. Never suspected
        or dismissed ones. Any order: the renderers sort. DependencyError when the store cannot be read.
        """
