"""The status page as JSON, with Atlassian Statuspage's field names where they fit (its /api/v2/summary.json).

Tools that already read Statuspage pages (dashboards, chat integrations, status aggregators) read
ours with little or no change. What Statuspage has and we do not (page ids, subscriber counts,
per-update component diffs) is left out rather than faked.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.incidents.model import Incident, Update
from chalicelib.incidents.status_view import StatusView, closed_at, iso, updated_at


def render(view: StatusView) -> str:
    config = view.config
    document = {
        "page": {
            "name": config.title,
            "url": config.url,
            "time_zone": "Etc/UTC",
            "updated_at": iso(view.now),
        },
        "status": {"indicator": view.indicator, "description": view.description},
        "components": [
            {"name": c.component.name, "description": c.component.description or None, "status": c.status}
            for c in view.components
        ],
        "incidents": [_incident(i, view) for i in view.open],
        "scheduled_maintenances": [_incident(i, view) for i in view.maintenance],
        # Statuspage's summary has no history; its incidents.json lists past ones: ours are here, in one answer
        "history": [_incident(i, view) for i in view.history],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _incident(incident: Incident, view: StatusView) -> dict[str, Any]:
    closed = closed_at(incident)
    document: dict[str, Any] = {
        "id": incident.incident_id,
        "name": incident.title,
        "status": incident.status.value,
        "impact": incident.impact.value,
        "created_at": iso(incident.opened_at),
        "updated_at": iso(updated_at(incident)),
        "resolved_at": iso(closed) if closed is not None else None,
        "shortlink": view.config.link(incident),
        "components": list(incident.components),
        # newest first, as Statuspage lists them
        "incident_updates": [_update(u) for u in sorted(incident.updates, key=lambda u: u.at, reverse=True)],
    }
    if incident.maintenance:
        document["scheduled_for"] = iso(incident.starts_at) if incident.starts_at else None
        document["scheduled_until"] = iso(incident.ends_at) if incident.ends_at else None
    return document


def _update(update: Update) -> dict[str, Any]:
    # who wrote it (update.by) stays private: the page speaks for the company, not for one person
    return {"id": update.update_id, "status": update.status.value, "body": update.body, "created_at": iso(update.at)}
