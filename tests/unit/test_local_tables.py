"""`make run`'s tickets table: columns line up on a terminal whatever script the names are in."""

from __future__ import annotations

import unicodedata

import pytest

from local.tables import TicketRow, render


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def row(customer: str, priority: str) -> TicketRow:
    return TicketRow("T-1", "e", "slack", customer, priority, "support", "default", "—", "", ())


@pytest.mark.parametrize(
    "customer",
    ["田中 海斗 (Kaito Tanaka, Sakura Labs)", "田中", "Jürgen Müller (Fabrikam GmbH, a long account name)", "Sam"],
)
def test_the_priority_column_starts_at_the_same_terminal_column_on_every_row(customer: str) -> None:
    # GIVEN a customer name with wide (CJK) or accented characters beside a plain one
    rows = [row(customer, "P3"), row("Priya Raman (Contoso Health)", "P1")]
    # WHEN the table is rendered narrow enough to clip names
    lines = render(rows, width=70).splitlines()
    # THEN the priorities start at one terminal column, and no line is wider than asked
    starts = {columns(line[: line.index(p)]) for line, p in zip(lines[2:], ("P3", "P1"), strict=True)}
    assert len(starts) == 1
    assert max(columns(line) for line in lines) <= 70
