"""The incidents repository and burst intake against moto, signed as triage (its IAM policy enforced)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.incidents_table import DynamoIncidentRepository
from chalicelib.incidents.lifecycle import confirm, move
from chalicelib.incidents.model import Incident, Report, Status
from chalicelib.incidents.policy import IncidentPolicy
from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision, Priority
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.services.incident_intake import IncidentIntake
from chalicelib.services.triage import ticket_id_for

AT = datetime(2026, 12, 6, 5, 40, tzinfo=UTC)
POLICY = IncidentPolicy(3, timedelta(minutes=15), 3, ("outage", "server_errors"))


@pytest.fixture
def triage_repo(aws):
    return DynamoIncidentRepository(aws.session("triage").client("dynamodb"), aws.settings.tickets_table)


@pytest.fixture
def operator_repo(aws):
    return DynamoIncidentRepository(aws.clients["dynamodb"], aws.settings.tickets_table)


def report(n: int, at: datetime = AT, channel: str = "x") -> Report:
    return Report(ticket_id=f"T-{n:010d}", sender_key=f"handle#x:user{n}", channel=channel, customer=f"User {n}", at=at)


def event(n: int, channel: Channel = Channel.X) -> SupportEvent:
    return SupportEvent(
        event_id=f"x:{n}", channel=channel, provider="x", received_at=AT, sender=Sender(handle=f"x:user{n}"),
        text="is the app down? nothing loads",
    )  # fmt: skip


def decided(concepts: str = "outage", vip: bool = False) -> Decision:
    facts: dict[str, str | int | float | bool] = {
        "urgency.concepts": concepts, "customer.vip": vip, "urgency.level": "critical" if vip else "high",
    }  # fmt: skip
    return Decision(
        route="r", team="support", priority=Priority.P1, page_targets=("team",), facts=facts, rules_version="v"
    )


def suspected(incident_id: str = "I-00000000aa") -> Incident:
    return Incident(incident_id=incident_id, title="Possible incident", status=Status.SUSPECTED, opened_at=AT)


def test_a_sender_counts_once_per_bucket(triage_repo):
    # GIVEN two senders, one of whom reports twice
    counts = [triage_repo.count("a15m#x", r.sender_key, 1, r) for r in (report(1), report(1), report(2))]
    # THEN the repeat counts nothing, and the bucket holds both reports
    assert counts == [1, 0, 2]
    assert [r.ticket_id for r in triage_repo.counted("a15m#x")] == ["T-0000000001", "T-0000000002"]


def test_opening_twice_gives_the_first_incident(triage_repo):
    # GIVEN one incident opened WHEN another tries to open THEN the first is answered, and only it is open
    first = triage_repo.open(suspected("I-00000000aa"), ["a15m#x"])
    second = triage_repo.open(suspected("I-00000000bb"), ["b15m#x"])
    assert first is not None and second is not None
    assert first.incident_id == second.incident_id == "I-00000000aa"
    assert [i.incident_id for i in triage_repo.open_incidents()] == ["I-00000000aa"]
    assert triage_repo.get("I-00000000bb") is None


def test_a_closed_incident_frees_the_way_for_the_next(triage_repo, operator_repo):
    # GIVEN an open suspected incident, dismissed by the operator
    opened = triage_repo.open(suspected("I-00000000aa"))
    dismissed = move(opened, Status.DISMISSED, "False alarm.", "dana", AT + timedelta(minutes=5))
    assert operator_repo.save(dismissed, Status.SUSPECTED)
    # THEN nothing is active, it is not open, the history keeps it; and the next burst opens a new one
    assert triage_repo.active() is None and triage_repo.open_incidents() == []
    assert [i.status for i in operator_repo.since(AT - timedelta(days=90))] == [Status.DISMISSED]
    assert triage_repo.open(suspected("I-00000000bb")).incident_id == "I-00000000bb"


def test_a_save_on_a_stale_status_is_refused(triage_repo, operator_repo):
    opened = triage_repo.open(suspected())
    confirmed = confirm(opened, "Looking into it.", "dana", AT)
    assert operator_repo.save(confirmed, Status.SUSPECTED)
    # WHEN someone who read it suspected dismisses it THEN refused, and it stays confirmed
    assert not operator_repo.save(move(opened, Status.DISMISSED, "nah", "sam", AT), Status.SUSPECTED)
    assert operator_repo.get(opened.incident_id).status is Status.INVESTIGATING


def test_a_report_links_once(triage_repo, operator_repo):
    triage_repo.open(suspected())
    assert triage_repo.link("I-00000000aa", report(1))
    assert not triage_repo.link("I-00000000aa", report(1))
    assert [r.ticket_id for r in operator_repo.reports("I-00000000aa")] == ["T-0000000001"]


def test_the_history_is_a_range_of_the_listing(operator_repo):
    for n, days in enumerate((100, 30, 1)):
        incident = suspected(f"I-00000000{n:02d}").model_copy(update={"opened_at": AT - timedelta(days=days)})
        operator_repo.add(incident)
    assert [i.incident_id for i in operator_repo.since(AT - timedelta(days=90))] == ["I-0000000001", "I-0000000002"]


def test_the_third_sender_opens_one_incident_and_the_rest_link(triage_repo, operator_repo):
    # GIVEN the intake with triage's own clients
    intake = IncidentIntake(triage_repo, POLICY)
    verdicts = [
        intake.on_report(
            event(n), Customer.unknown(f"User {n}"), decided(), ticket_id_for(f"x:{n}"), AT + timedelta(minutes=n)
        )
        for n in range(1, 7)
    ]
    # THEN the first two page on their own, the third pages in the incident's words, the rest page nobody
    assert [bool(v.decision.page_targets) for v in verdicts] == [True, True, True, False, False, False]
    assert [v.page_summary is not None for v in verdicts] == [False, False, True, False, False, False]
    assert verdicts[2].page_summary == "Possible incident: 3 customers on X report an outage in 2 minutes"
    incident = verdicts[2].incident
    assert incident is not None and incident.status is Status.SUSPECTED
    assert all(v.incident == incident for v in verdicts[3:])
    assert "linked to incident " + incident.incident_id in verdicts[5].decision.reasons[-1]
    # AND every report, those before the crossing too, is linked
    assert len(operator_repo.reports(incident.incident_id)) == 6


def test_a_vips_critical_report_counts_three(triage_repo):
    intake = IncidentIntake(triage_repo, POLICY)
    verdict = intake.on_report(event(1), Customer.unknown("VIP"), decided(vip=True), "T-1", AT)
    assert verdict.page_summary is not None and verdict.incident is not None


def test_other_concepts_are_not_counted(triage_repo):
    intake = IncidentIntake(triage_repo, POLICY)
    for n in range(5):
        assert intake.on_report(event(n), Customer.unknown("u"), decided("billing"), f"T-{n}", AT).incident is None


def test_two_triage_containers_counting_one_burst_open_one_incident(aws):
    # GIVEN two triage containers, each with its own client, alternating over one burst of 12 senders
    intakes = [
        IncidentIntake(
            DynamoIncidentRepository(aws.session("triage").client("dynamodb"), aws.settings.tickets_table), POLICY
        )
        for _ in range(2)
    ]
    verdicts = [
        intakes[n % 2].on_report(event(n), Customer.unknown("u"), decided(), f"T-{n}", AT + timedelta(seconds=n))
        for n in range(12)
    ]
    # THEN one incident, one page in its words, every report linked
    opened = {v.incident.incident_id for v in verdicts if v.incident is not None}
    assert len(opened) == 1
    assert sum(v.page_summary is not None for v in verdicts) == 1
    assert (
        len(DynamoIncidentRepository(aws.clients["dynamodb"], aws.settings.tickets_table).reports(opened.pop())) == 12
    )


def test_crossing_together_in_both_bucket_series_still_opens_one(aws):
    # GIVEN two containers whose counts cross at once, one in each bucket series (as racing Lambdas can)
    repos = [
        DynamoIncidentRepository(aws.session("triage").client("dynamodb"), aws.settings.tickets_table) for _ in range(2)
    ]
    a = repos[0].open(suspected("I-00000000aa"), ["a15m#2026-12-06T05:30:00Z"])
    b = repos[1].open(suspected("I-00000000bb"), ["b15m#2026-12-06T05:37:30Z"])
    # THEN the second finds the first active and answers it
    assert a is not None and b is not None and a.incident_id == b.incident_id == "I-00000000aa"


def test_reports_inside_maintenance_page_nobody(triage_repo, operator_repo):
    window = Incident(
        incident_id="I-00000000mm", title="Database upgrade", status=Status.SCHEDULED, opened_at=AT - timedelta(days=1),
        source="maintenance", starts_at=AT - timedelta(minutes=5), ends_at=AT + timedelta(hours=1), components=("app",),
    )  # fmt: skip
    operator_repo.add(window)
    intake = IncidentIntake(triage_repo, POLICY)
    # WHEN a report naming the component arrives in the window THEN no page, with the window named
    inside = intake.on_report(event(1), Customer.unknown("u"), decided(), "T-1", AT)
    assert inside.decision.page_targets == () and "scheduled maintenance I-00000000mm" in inside.decision.reasons[-1]
    # AND one that names no component of it, or arrives after it, is counted as usual
    other = event(2).model_copy(update={"text": "everything is down"})
    assert intake.on_report(other, Customer.unknown("u"), decided(), "T-2", AT).decision.page_targets
    later = intake.on_report(event(3), Customer.unknown("u"), decided(), "T-3", AT + timedelta(hours=2))
    assert later.decision.page_targets


def test_after_a_dismissal_reports_page_on_their_own_again_and_stay_linked(triage_repo, operator_repo):
    # GIVEN a burst that opened an incident, then dismissed as a false alarm
    intake = IncidentIntake(triage_repo, POLICY)
    for n in range(4):
        verdict = intake.on_report(event(n), Customer.unknown("u"), decided(), f"T-{n}", AT + timedelta(seconds=n))
    incident = verdict.incident
    assert incident is not None
    operator_repo.save(
        move(operator_repo.get(incident.incident_id), Status.DISMISSED, "False alarm.", "dana", AT), Status.SUSPECTED
    )
    # WHEN more reports arrive in the same burst THEN each keeps its own page, nothing opens, nothing is unlinked
    later = intake.on_report(event(9), Customer.unknown("u"), decided(), "T-9", AT + timedelta(minutes=1))
    assert later.decision.page_targets == ("team",) and later.incident is None and later.page_summary is None
    assert len(operator_repo.reports(incident.incident_id)) == 4
