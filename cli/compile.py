"""routing.yaml → validated, compiled JSON for the Lambda; every problem as FILE:LINE with the route's name."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chalicelib.adapters.rules_store import content_hash
from chalicelib.routing import learned
from chalicelib.routing.calendars import HORIZON_DAYS
from chalicelib.routing.engine import CompiledRules, Problem, RulesError
from chalicelib.routing.loader import CONFIG_DIR, FORMAT, from_compiled
from chalicelib.routing.schema import RulesDocument
from cli.promises import kept_promises
from cli.yaml_keys import compose_and_load, duplicate_keys

RULES_YAML = CONFIG_DIR / "routing.yaml"
#: how a file the rules name is read, given its path: from disk, or (``rules diff --against REV``) from git
Reader = Callable[[Path], str]
#: holiday dates are compiled for these years; outside them a calendar knows only its explicit closed dates
HOLIDAY_YEARS = range(2024, 2033)


@dataclass(frozen=True)
class RuleIssue:
    """One problem, placed: the file, the line, the route (if inside one), the path and what is wrong."""

    file: str
    line: int
    route: str | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"route {self.route!r}: " if self.route else ""
        return f"{self.file}:{self.line}: {where}{self.path}: {self.message}"


class RulesFileError(Exception):
    def __init__(self, issues: list[RuleIssue]) -> None:
        super().__init__("\n".join(map(str, issues)))
        self.issues = issues


def yaml_lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """Fill ``out`` with the line of every node under ``node`` (a composed YAML document), by its path."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*path, key.value)] = key.start_mark.line + 1
            yaml_lines(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yaml_lines(item, (*path, i), out)


_ALIASES = {"in_": "in", "not_": "not", "continue_": "continue"}
_MISSING = object()


def _place(loc: tuple[Any, ...], document: Any, lines: dict[tuple[Any, ...], int]) -> tuple[tuple[Any, ...], int]:
    """Follow an error location through the document (skipping pydantic's union tags) to its line."""
    found: tuple[Any, ...] = ()
    node = document
    for part in loc:
        key = _ALIASES.get(part, part) if isinstance(part, str) else part
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node, found = node[key], (*found, key)
        elif isinstance(node, dict):
            # YAML keys may be dates or numbers, which pydantic reports as strings
            match = next((k for k in node if k == key or str(k) == str(key)), _MISSING)
            if match is not _MISSING:
                node, found = node[match], (*found, match)
    return found, lines.get(found, 1)


def _route_name(found: tuple[Any, ...], document: Any) -> str | None:
    if len(found) >= 2 and found[0] == "routes" and isinstance(found[1], int):
        route = document["routes"][found[1]]
        return str(route.get("name")) if isinstance(route, dict) and route.get("name") else f"#{found[1] + 1}"
    return None


def issue_at(
    file: str, loc: tuple[Any, ...], message: str, document: Any, lines: dict[tuple[Any, ...], int]
) -> RuleIssue:
    """``message`` about the value at ``loc``, placed at its line (``lines``: from yaml_lines) and route."""
    found, line = _place(loc, document, lines)
    return RuleIssue(file, line, _route_name(found, document), ".".join(map(str, found)) or "(file)", message)


def holiday_dates(document: RulesDocument) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """Public holidays per calendar from the `holidays` package, as ISO date → name."""
    import holidays  # a build-time dependency: the Lambda gets the dates, not the 1.7 MB package

    out: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for name, spec in document.calendars.items():
        if spec.holidays is None:
            continue
        try:
            found = holidays.country_holidays(
                spec.holidays.country, subdiv=spec.holidays.subdivision, years=HOLIDAY_YEARS
            )
        except NotImplementedError as exc:
            problems.append(
                Problem(("calendars", name, "holidays"), f"the holidays package does not know this place: {exc}")
            )
            continue
        skip = set(spec.holidays.exclude)
        unknown = skip - {str(why) for why in found.values()}
        if unknown:
            known = ", ".join(sorted({str(why) for why in found.values()}))
            problems.append(
                Problem(
                    ("calendars", name, "holidays", "exclude"),
                    f"no holiday named {', '.join(sorted(unknown))} (names: {known})",
                )
            )
        out[name] = {day.isoformat(): str(why) for day, why in sorted(found.items()) if str(why) not in skip}
    return out, problems


def date_gaps(rules: CompiledRules) -> list[Problem]:
    """Calendars limited to some dates (days_of_month, months, years), checked over HOLIDAY_YEARS.

    Any such calendar must open at all. One a team or the default uses must open at least every
    HORIZON_DAYS days: deferrals, business-time SLAs and reply times wait for its next opening.
    """
    waited_on = {rules.document.default_calendar} | {team.calendar for team in rules.document.teams.values()}
    first, stop = date(HOLIDAY_YEARS.start, 1, 1), date(HOLIDAY_YEARS.stop, 1, 1)
    problems: list[Problem] = []
    for name, calendar in rules.calendars.items():
        if calendar.dates is None:
            continue
        opening = [first + timedelta(days=n) for n in range((stop - first).days)]
        opening = [day for day in opening if calendar.opens_on(day)]
        years = f"{HOLIDAY_YEARS.start}–{HOLIDAY_YEARS.stop - 1}"
        # named at the first of its date fields: the line that limits it
        given = zip(("days_of_month", "months", "years"), rules.document.calendars[name].dates, strict=True)
        where = ("calendars", name, next(field for field, values in given if values))
        if not opening:
            why = f"never opens in {years}: no day its days_of_month, months and years allow has opening hours"
            problems.append(Problem(where, why))
            continue
        if name not in waited_on:
            continue
        edges = [first - timedelta(days=1), *opening, stop]
        a, b = max(itertools.pairwise(edges), key=lambda pair: pair[1] - pair[0])
        if (b - a).days > HORIZON_DAYS:
            why = (
                f"does not open from {a + timedelta(days=1)} to {b - timedelta(days=1)}: a team's calendar must "
                f"open at least every {HORIZON_DAYS} days in {years}, since deferrals and SLAs wait for it"
            )
            problems.append(Problem(where, why))
    return problems


def learned_path(name: str) -> Path:
    """Where the rules' ``urgency.learned.weights`` file is: beside the rules."""
    return CONFIG_DIR / name


def learned_table(name: str, read: Reader | None = None) -> dict[str, Any]:
    """The learned reading's weights table, from its file beside the rules; ValueError saying what to do.

    ``read``: how to read it (default: from disk). Rules from another git revision read their own table
    there: the table is part of the rules, and a diff against it must show what learning again changed.
    """
    path = learned_path(name)
    try:
        data = json.loads(read(path) if read is not None else path.read_text(encoding="utf-8"))
        table = learned.from_mapping(data)
    except OSError as exc:
        raise ValueError(
            f"cannot read {display(path)} ({exc.strerror or exc}): run `switchboard rules learn`"
        ) from None
    except (json.JSONDecodeError, ValueError) as exc:
        raise ValueError(
            f"{display(path)} is not a learned weights table ({exc}): run `switchboard rules learn`"
        ) from None
    return table.as_json()


def compile_text(text: str, file: str, read: Reader | None = None) -> tuple[dict[str, Any], CompiledRules]:
    """Validate a rules document and build what the Lambda loads; raises RulesFileError. ``read``: how the
    files the rules name are read (learned_table)."""
    try:
        root, document = compose_and_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise RulesFileError(
            [RuleIssue(file, line, None, "(file)", f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    if repeats := duplicate_keys(root):
        # PyYAML keeps the last of two keys silently: an operator's second `maya:` would replace the first
        raise RulesFileError(
            [
                RuleIssue(
                    file, d.line, _route_name(d.path, document), ".".join(map(str, d.path)) or "(file)", d.message
                )
                for d in repeats
            ]
        )
    lines: dict[tuple[Any, ...], int] = {}
    if root is not None:
        yaml_lines(root, (), lines)
    try:
        model = RulesDocument.model_validate(document)
    except ValidationError as exc:
        issues = [issue_at(file, tuple(err["loc"]), err["msg"], document, lines) for err in exc.errors()]
        raise RulesFileError(issues) from None
    holidays, problems = holiday_dates(model)
    rules_json = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    hashed: dict[str, Any] = {"rules": rules_json, "holidays": holidays}
    if model.urgency.learned is not None:
        # the table travels with the compiled rules (in their version, in their deploy), never apart from them
        try:
            hashed["learned"] = learned_table(model.urgency.learned.weights, read)
        except ValueError as exc:
            raise RulesFileError(
                [issue_at(file, ("urgency", "learned", "weights"), str(exc), document, lines)]
            ) from None
    version = content_hash(hashed)
    compiled = {"format": FORMAT, "source": file, "version": version, **hashed}
    try:
        if problems:
            raise RulesError(problems)
        parsed = {cal: {date.fromisoformat(d): why for d, why in days.items()} for cal, days in holidays.items()}
        checked = CompiledRules(model, parsed, version, file, hashed.get("learned"))
        if problems := date_gaps(checked):
            raise RulesError(problems)
        if problems := kept_promises(checked):
            raise RulesError(problems)
    except RulesError as exc:
        raise RulesFileError([issue_at(file, p.path, p.message, document, lines) for p in exc.problems]) from None
    # and the JSON itself must load the way the Lambda loads it
    return compiled, from_compiled(json.loads(render(compiled)), file)


def compile_file(path: Path) -> tuple[dict[str, Any], CompiledRules]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesFileError([RuleIssue(str(path), 0, None, "(file)", f"cannot read: {exc.strerror}")]) from None
    return compile_text(text, display(path))


ROOT = Path(__file__).resolve().parent.parent


def display(path: Path) -> str:
    """Paths inside the project are named from its root, so the compiled file is the same from any cwd."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def render(compiled: dict[str, Any]) -> str:
    """The committed JSON, byte for byte, one trailing newline; keys in the rules' own order (the
    urgency model tries its concepts in the order they are written)."""
    return json.dumps(compiled, indent=1, ensure_ascii=False) + "\n"
