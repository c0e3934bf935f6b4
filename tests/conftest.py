"""Shared fixtures. Environment first: Powertools objects read it at import time."""

from __future__ import annotations

import os

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "switchboard")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
# never let a test reach a real endpoint configured on the developer's machine
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# Hypothesis: no example database, and its other caches (constants) in a temporary directory, never
# .hypothesis/ in the checkout; the same examples on every run (derandomize: a failure reproduces); and
# no per-example deadline (a loaded machine is not a bug)
import tempfile
from pathlib import Path

from hypothesis import settings as _hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "switchboard-hypothesis")
_hypothesis_settings.register_profile("switchboard", database=None, derandomize=True, deadline=None)
_hypothesis_settings.load_profile("switchboard")
