"""Pages against moto with an injected clock: escalate until someone acknowledges, and not a step more.

Dana's 3 a.m. call (events/twilio) is routed `live-call` with the `urgent` policy: the on-call person
for 5 minutes, then both founders for 10, the ladder run up to three times.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.model.page import Level, Page, Recipient
from local.samples import local_secrets, signed
from tests.functional.conftest import NIGHT, PUBLIC_URL
from tests.functional.paging_helpers import LINK, SAMPLES, deliver, paged, sweep, timeline
from tests.paging_fakes import Faults


def only_page() -> Page:
    """The one page these tests open, read back from the table."""
    c = bootstrap.container()
    items = c.dynamodb.scan(TableName=c.settings.tickets_table)["Items"]
    [page_id] = [i["page_id"]["S"] for i in items if i["sk"]["S"] == "PAGE"]
    page = c.pages.get(page_id)
    assert isinstance(page, Page)
    return page


def test_a_3am_call_pages_on_call_then_the_founders_and_stops_at_the_ack(aws, clock):
    # GIVEN Dana's call at 03:00 paged the on-call person (Leo)
    deliver(aws, "twilio/call-01-incoming")
    first = paged(aws)
    assert [(p["topic"], p["people"]) for p in first] == [("support", ["leo"])]
    page = only_page()
    # WHEN nobody acknowledges: a sweep before the 5 minutes are up does nothing, one after escalates
    clock.now += timedelta(minutes=4)
    sweep()
    assert paged(aws) == []
    clock.now += timedelta(minutes=1, seconds=30)
    sweep()
    # THEN both founders are paged, with their own ack links
    second = paged(aws)
    assert [(p["topic"], p["people"]) for p in second] == [("founders", ["maya", "tom"])]
    links = LINK.findall(second[0]["text"])
    assert len(links) == 2
    # WHEN Maya opens her link (GET shows the page, changes nothing) and presses Acknowledge (POST)
    maya = next(link for link in links if "p=maya" in link)
    with Client(app_module.app) as client:
        shown = client.http.get(maya)
        assert shown.status_code == 200 and b"Acknowledge" in shown.body
        assert only_page().state.value == "open"
        query = urlsplit(maya).query
        done = client.http.post(
            urlsplit(maya).path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=query.encode()
        )
    assert done.status_code == 200 and b"escalation stopped" in done.body
    # THEN everyone paged so far hears that Maya has it
    told = paged(aws)
    assert sorted((p["topic"], tuple(p["people"])) for p in told) == [
        ("founders", ("maya", "tom")),
        ("support", ("leo",)),
    ]
    assert all("Maya Chen has it" in p["text"] for p in told)
    # AND later sweeps page nobody
    for minutes in (10, 30, 120):
        clock.now += timedelta(minutes=minutes)
        sweep()
    assert paged(aws) == []
    # AND the timeline shows every step, with why
    steps = timeline(page.ticket_id)
    kinds = [s.split(":")[0] for s in steps]
    assert kinds == ["page-opened", "notified", "notified", "acknowledged"]
    assert "no acknowledgement within 5 minutes: escalating to level 2 of 2" in steps[2]
    assert "acknowledged by Maya Chen via the page's link" in steps[3]


def test_duplicate_and_concurrent_ticks_escalate_once(aws, clock):
    deliver(aws, "twilio/call-01-incoming")
    paged(aws)
    page = only_page()
    clock.now += timedelta(minutes=6)
    # GIVEN two sweeps that both read the page before either wrote (a concurrent tick)
    paging = bootstrap.container().paging
    stale = paging.pages.get(page.page_id)
    # WHEN both tick
    assert paging._tick(stale, clock.now) is True
    assert paging._tick(stale, clock.now) is False
    # AND a duplicate sweep runs
    sweep()
    # THEN the founders were paged once
    assert [p["topic"] for p in paged(aws)] == ["founders"]


def test_an_sms_ack_from_the_paged_number_stops_it_and_from_another_is_refused(aws, clock):
    deliver(aws, "twilio/call-01-incoming")
    paged(aws)
    page = only_page()
    sms = SAMPLES["twilio/sms-01-urgent"]

    def text(from_: str, body: str) -> str:
        fields = dict(pair.split("=", 1) for pair in sms.body.decode().split("&"))
        fields |= {"From": from_.replace("+", "%2B"), "Body": body.replace(" ", "+"), "MessageSid": "SM" + "1" * 32}
        request = signed(
            type(sms)(
                sms.name,
                sms.description,
                sms.method,
                sms.path,
                sms.headers,
                "&".join(f"{k}={v}" for k, v in fields.items()).encode(),
            ),
            local_secrets(),
            NIGHT,
            PUBLIC_URL,
        )
        with Client(app_module.app) as client:
            response = client.http.post(request.path, headers=request.headers, body=request.body)
        assert response.status_code == 200
        return response.body.decode()

    # WHEN a number that was not paged replies ACK <code>
    refused = text("+12125550199", f"ACK {page.ack_code}")
    # THEN it is told so, and the page stays open
    assert "not accepted" in refused and only_page().state.value == "open"
    # WHEN Leo (paged, +12125550104) replies
    accepted = text("+12125550104", f"ack {page.ack_code}")
    assert "Escalation stopped" in accepted and only_page().acked_by == "leo"
    # AND nothing was queued as a customer message
    assert aws.queue_messages() == []
    assert "refused" in " ".join(timeline(page.ticket_id))


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda link: link.replace("p=leo", "p=maya"), "not valid"),
        (lambda link: re.sub(r"s=[^&]+", "s=AAAA", link), "not valid"),
        (None, "expired"),
    ],
    ids=["other-person", "forged", "expired"],
)
def test_a_forged_or_expired_link_is_403(aws, clock, tamper, reason):
    deliver(aws, "twilio/call-01-incoming")
    [page] = paged(aws)
    [link] = LINK.findall(page["text"])
    if tamper is None:
        clock.now += timedelta(hours=25)
    else:
        link = tamper(link)
    with Client(app_module.app) as client:
        response = client.http.get(link)
    assert response.status_code == 403
    assert reason in response.body.decode().lower()
    assert only_page().state.value == "open"


def test_the_same_customer_on_another_channel_folds_into_the_open_page(aws, clock):
    # GIVEN the call's page is open
    deliver(aws, "twilio/call-01-incoming")
    paged(aws)
    # WHEN Dana also writes in the chat widget three minutes later that the dashboard is down
    clock.now += timedelta(minutes=3)
    deliver(aws, "widget/vip-outage")
    # THEN nobody is paged again; the open page counts two messages and shows the latest
    assert paged(aws) == []
    page = only_page()
    assert page.count == 2
    assert "dashboard is down" in page.summary
    assert "message 2 folded into page" in " ".join(timeline(page.ticket_id))
    # AND the next escalation carries the count
    clock.now += timedelta(minutes=6)
    sweep()
    [escalated] = paged(aws)
    assert "(2 messages)" in escalated["text"]


def test_a_config_deploy_does_not_change_a_page_in_flight(aws, clock):
    # GIVEN the call's page opened with the urgent ladder (Leo, then the founders)
    deliver(aws, "twilio/call-01-incoming")
    paged(aws)
    # WHEN a new rules deploy changes every ladder to reach only Ana (sales) before the page escalates
    paging = bootstrap.container("escalate").paging
    ana = Recipient(person="ana", name="Ana Silva", phone="+12125550105", topic="sales", via="named")
    paging.ladder = lambda ticket, now: (
        (Level(targets=("person:ana",), recipients=(ana,), ack_timeout_seconds=60),),
        0,
    )
    clock.now += timedelta(minutes=6)
    sweep()
    # THEN the page escalates along the ladder it opened with: the founders, not Ana
    assert [(p["topic"], p["people"]) for p in paged(aws)] == [("founders", ["maya", "tom"])]


def test_a_failed_publish_is_retried_from_the_table_at_the_same_level(aws, clock):
    # GIVEN SNS refuses the first publish of Dana's 3 a.m. call page (the on-call level)
    paging = bootstrap.container("triage").paging  # the function that opens the page
    paging.publisher = Faults(paging.publisher, before={"publish": {1}})
    deliver(aws, "twilio/call-01-incoming")
    assert paged(aws) == []
    # WHEN the sweep runs within the grace, then after it
    clock.now += timedelta(seconds=30)
    sweep()
    assert paged(aws) == []
    clock.now += timedelta(seconds=35)
    sweep()
    # THEN Leo, on call, is paged: the same level, not the founders
    assert [(p["topic"], p["people"]) for p in paged(aws)] == [("support", ["leo"])]
    page = only_page()
    assert page.level == 0
    # AND the notification is marked sent, out of the due index: later sweeps do not send it again
    clock.now += timedelta(minutes=2)
    sweep()
    assert paged(aws) == []
    assert "retried: Leo Martins reached on the support pager, attempt 2" in " ".join(timeline(page.ticket_id))


def test_an_exhausted_page_tells_the_founders_once_and_their_link_takes_it(aws, clock):
    # GIVEN Dana's call paged Leo, and nobody answers through all three rounds of the urgent ladder
    deliver(aws, "twilio/call-01-incoming")
    [first] = paged(aws)
    page_id = LINK.findall(first["text"])[0].split("?")[0].removeprefix("/ack/")
    for _ in range(12):
        clock.now += timedelta(minutes=11)
        sweep()
    page = bootstrap.container().pages.get(page_id)
    assert page is not None and page.state.value == "exhausted"
    # THEN the founders were told once that nobody answered, each with a link (the missed first response
    # paged support too, and ran out in its turn: that page is another)
    unanswered = [p for p in paged(aws) if p["text"].startswith("[P1 unanswered]") and page_id in p["text"]]
    assert [(p["topic"], p["people"]) for p in unanswered] == [("founders", ["maya", "tom"])]
    clock.now += timedelta(minutes=30)
    sweep()
    assert paged(aws) == []
    # WHEN Tom opens his link and presses Acknowledge
    tom = next(link for link in LINK.findall(unanswered[0]["text"]) if "p=tom" in link)
    with Client(app_module.app) as client:
        shown = client.http.get(tom)
        assert shown.status_code == 200 and b">Acknowledge</button>" in shown.body
        done = client.http.post(
            urlsplit(tom).path,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=urlsplit(tom).query.encode(),
        )
    # THEN he has the ticket
    assert done.status_code == 200
    assert bootstrap.container().pages.get(page_id).acked_by == "tom"
    assert "taken after escalation ran out" in timeline(page.ticket_id)[-1]


def test_two_sweeps_racing_for_one_pending_notification_retry_it_once(aws, clock):
    # GIVEN a page whose first publish failed, its notification pending in the table past the grace
    opening = bootstrap.container("triage").paging  # the function that opens the page
    opening.publisher = Faults(opening.publisher, before={"publish": {1}})
    deliver(aws, "twilio/call-01-incoming")
    clock.now += timedelta(seconds=61)
    paging = bootstrap.container("escalate").paging  # the function that sweeps
    [key] = [k for k in paging.pages.due(clock.now) if k.startswith("NOTE#")]
    # WHEN two sweeps both read it as due and both try to take the attempt
    first = paging.pages.retry(key, clock.now, clock.now + timedelta(seconds=60))
    second = paging.pages.retry(key, clock.now, clock.now + timedelta(seconds=60))
    # THEN only one gets it, and it counts as the second attempt
    assert first is not None and first.attempts == 1 and first.people == ("leo",)
    assert second is None
    # AND once it is marked sent it leaves the due index for good
    paging.pages.settle(key, clock.now, "sent")
    assert key not in paging.pages.due(clock.now + timedelta(hours=1))
    assert paging.pages.retry(key, clock.now + timedelta(hours=1), clock.now) is None
