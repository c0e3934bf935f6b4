"""The incident state machine: allowed moves produce an Update in the operator's words; refusals say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.incidents.lifecycle import TransitionError, allowed, confirm, move
from chalicelib.incidents.model import Impact, Incident, Status

AT = datetime(2026, 12, 6, 5, 45, tzinfo=UTC)
S = Status


def incident(status: Status = S.SUSPECTED, source: str = "burst") -> Incident:
    return Incident(incident_id="I-0123456789", title="Possible outage", status=status, opened_at=AT, source=source)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        pytest.param(S.SUSPECTED, S.INVESTIGATING, id="confirm"),
        pytest.param(S.SUSPECTED, S.DISMISSED, id="dismiss"),
        pytest.param(S.INVESTIGATING, S.IDENTIFIED, id="identified"),
        pytest.param(S.INVESTIGATING, S.INVESTIGATING, id="still-investigating"),
        pytest.param(S.INVESTIGATING, S.RESOLVED, id="skip-to-resolved"),
        pytest.param(S.IDENTIFIED, S.MONITORING, id="monitoring"),
        pytest.param(S.MONITORING, S.RESOLVED, id="resolved"),
        pytest.param(S.SCHEDULED, S.IN_PROGRESS, id="maintenance-starts"),
        pytest.param(S.SCHEDULED, S.COMPLETED, id="maintenance-skips"),
        pytest.param(S.IN_PROGRESS, S.COMPLETED, id="maintenance-ends"),
    ],
)
def test_allowed_moves_append_an_update_in_the_operators_words(start, to):
    # GIVEN an incident at `start` WHEN moved to `to` THEN its status, the time it was reached, and the update
    moved = move(incident(start), to, "  We are looking into it.  ", "dana", AT + timedelta(minutes=5))
    assert moved.status is to
    assert moved.status_times[to.value] == AT + timedelta(minutes=5)
    (update,) = moved.updates
    assert (update.update_id, update.status, update.body, update.by) == (
        "U-I-0123456789-001",
        to,
        "We are looking into it.",
        "dana",
    )


@pytest.mark.parametrize(
    ("start", "to"),
    [
        pytest.param(S.SUSPECTED, S.RESOLVED, id="resolve-unconfirmed"),
        pytest.param(S.SUSPECTED, S.IDENTIFIED, id="identify-unconfirmed"),
        pytest.param(S.MONITORING, S.IDENTIFIED, id="backwards"),
        pytest.param(S.INVESTIGATING, S.DISMISSED, id="dismiss-a-confirmed-one"),
        pytest.param(S.RESOLVED, S.INVESTIGATING, id="reopen"),
        pytest.param(S.DISMISSED, S.INVESTIGATING, id="confirm-a-dismissed-one"),
        pytest.param(S.INVESTIGATING, S.IN_PROGRESS, id="maintenance-status-on-an-incident"),
        pytest.param(S.SCHEDULED, S.RESOLVED, id="incident-status-on-maintenance"),
        pytest.param(S.COMPLETED, S.COMPLETED, id="after-completed"),
    ],
)
def test_a_refused_move_says_where_it_stands_and_what_is_allowed(start, to):
    with pytest.raises(TransitionError, match=f"is {start.value}: cannot move to {to.value}"):
        move(incident(start), to, "words", "dana", AT)


def test_a_closed_incident_allows_nothing():
    assert allowed(S.RESOLVED) == allowed(S.DISMISSED) == allowed(S.COMPLETED) == ()
    with pytest.raises(TransitionError, match="nothing: it is closed"):
        move(incident(S.RESOLVED), S.RESOLVED, "again", "dana", AT)


def test_an_update_needs_words():
    with pytest.raises(TransitionError, match="operator's words"):
        move(incident(S.INVESTIGATING), S.IDENTIFIED, "   ", "dana", AT)


def test_confirm_sets_the_impact_and_keeps_earlier_times():
    # GIVEN a suspected incident WHEN confirmed with an impact, then updated
    confirmed = confirm(incident(), "We see errors on login.", "dana", AT, Impact.MAJOR)
    later = move(confirmed, S.INVESTIGATING, "Still on it.", "sam", AT + timedelta(minutes=10))
    # THEN the first time investigating was reached stays, the impact stays, the updates number on
    assert confirmed.impact is Impact.MAJOR and later.impact is Impact.MAJOR
    assert later.status_times["investigating"] == AT
    assert [u.update_id for u in later.updates] == ["U-I-0123456789-001", "U-I-0123456789-002"]


def test_only_a_suspected_incident_is_confirmed():
    with pytest.raises(TransitionError, match="only a suspected incident"):
        confirm(incident(S.INVESTIGATING), "words", "dana", AT)
