"""The routing rules file: pydantic models, load-time validation, a content hash as the version."""

from __future__ import annotations

import hashlib
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.errors import ConfigError
from chalicelib.model.customer import Tier
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel
from chalicelib.routing.calendar import DAY_NAMES, BusinessHours

UrgencyLevel = Literal["low", "normal", "high", "critical"]
URGENCY_ORDER: dict[str, int] = {"low": 0, "normal": 1, "high": 2, "critical": 3}
FOUNDERS = "founders"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessHoursSpec(_Strict):
    timezone: str
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    start: time
    end: time

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as America/New_York)") from None
        return value

    @model_validator(mode="after")
    def _window(self) -> BusinessHoursSpec:
        if self.start >= self.end:
            raise ValueError(f"start {self.start:%H:%M} must be before end {self.end:%H:%M}")
        return self

    def compile(self) -> BusinessHours:
        return BusinessHours(
            timezone=ZoneInfo(self.timezone),
            days=frozenset(DAY_NAMES.index(d) for d in self.days),
            start=self.start,
            end=self.end,
        )


class UrgencySpec(_Strict):
    critical: list[str] = Field(default_factory=list)
    high: list[str] = Field(default_factory=list)


class Match(_Strict):
    """Every given condition must hold; an empty match always matches."""

    urgency_at_least: UrgencyLevel | None = None
    tiers: list[Tier] | None = None
    vip: bool | None = None
    channels: list[Channel] | None = None
    in_business_hours: bool | None = None


class Route(_Strict):
    name: str = Field(min_length=1)
    match: Match = Field(default_factory=Match)
    team: str
    priority: Priority
    #: who to page; omitted → the team itself when the priority pages (P1/P2)
    page: list[str] | None = None


class DefaultRoute(_Strict):
    team: str
    priority: Priority
    page: list[str] | None = None


class Rules(_Strict):
    version: Literal[1]
    teams: list[str] = Field(min_length=1)
    business_hours: BusinessHoursSpec
    urgency: UrgencySpec
    routes: list[Route]
    default: DefaultRoute

    @model_validator(mode="after")
    def _names_resolve(self) -> Rules:
        known = {*self.teams, FOUNDERS}
        seen: set[str] = set()
        for route in self.routes:
            if route.name in seen:
                raise ValueError(f"route {route.name!r}: duplicate route name")
            seen.add(route.name)
            for name in (route.team, *(route.page or [])):
                if name not in known:
                    raise ValueError(f"route {route.name!r}: unknown team {name!r} (teams: {', '.join(sorted(known))})")
        for name in (self.default.team, *(self.default.page or [])):
            if name not in known:
                raise ValueError(f"default route: unknown team {name!r}")
        return self


class CompiledRules:
    """Rules prepared once per container: calendars compiled, phrases lower-cased, version hashed."""

    def __init__(self, rules: Rules, version: str, source: str) -> None:
        self.rules = rules
        self.version = version
        self.source = source
        self.business_hours = rules.business_hours.compile()
        self.critical_phrases = tuple(p.lower() for p in rules.urgency.critical)
        self.high_phrases = tuple(p.lower() for p in rules.urgency.high)


def parse_rules(text: str, source: str = "<rules>") -> CompiledRules:
    """Validate a rules document; errors name the file and the offending route."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    try:
        rules = Rules.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{source}: {problems}") from None
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return CompiledRules(rules, version, source)


@lru_cache(maxsize=4)
def load_rules(path: Path) -> CompiledRules:
    """Read and compile a rules file once per container (the file ships inside the package)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read rules file: {exc.strerror}") from None
    return parse_rules(text, str(path))
