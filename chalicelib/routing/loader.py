"""Loads the compiled rules (JSON, made from routing.yaml by `switchboard rules compile`) once per container.

The Lambda reads JSON, not YAML: PyYAML (0.8 MB) and the holidays package (1.7 MB) stay out
of the package, and holiday dates arrive precomputed. The JSON was validated by the pydantic
models when it was compiled (and `rules compile --check` keeps it in step), so here it is read
into plain named tuples (document.py): no model is built on a cold start.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from chalicelib.errors import ConfigError
from chalicelib.routing.engine import CompiledRules, RulesError
from chalicelib.routing.reader import parse
from chalicelib.settings import DEFAULT_RULES_FILE

CONFIG_DIR = DEFAULT_RULES_FILE.parent
#: the compiled file's layout; bump when it changes
FORMAT = 1


def from_compiled(data: dict[str, object], where: str = "<compiled rules>") -> CompiledRules:
    if data.get("format") != FORMAT:
        raise ConfigError(f"{where}: compiled with format {data.get('format')}, expected {FORMAT}: run `make rules`")
    try:
        rules, raw = data["rules"], data["holidays"]
        assert isinstance(rules, dict) and isinstance(raw, dict)
        holidays = {cal: {date.fromisoformat(d): why for d, why in days.items()} for cal, days in raw.items()}
        learned = data.get("learned")
        assert learned is None or isinstance(learned, dict)
        return CompiledRules(parse(rules), holidays, str(data["version"]), str(data["source"]), learned)
    except (RulesError, KeyError, AssertionError, ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{where}: invalid compiled rules: {exc}") from None


@lru_cache(maxsize=4)
def load_rules(path: Path = DEFAULT_RULES_FILE) -> CompiledRules:
    """The rules for this container: read and compiled on first use, then kept."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read compiled rules ({exc.strerror}): run `make rules`") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not JSON ({exc}): run `make rules`") from None
    return from_compiled(data, str(path))
