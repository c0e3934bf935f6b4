"""Builds clients, repositories and services once per container; tests pass overrides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from chalicelib.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


class Container:
    """Lazy wiring: the ingest path never builds the triage side, and the reverse.

    Each property is built on first use and kept for the container's life, so a warm
    Lambda reuses clients and compiled rules. ``overrides`` replaces any of them by name.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        clock: Callable[[], datetime] = utc_now,
        session: Any = None,
        **overrides: Any,
    ) -> None:
        self._settings = settings
        self.clock = clock
        # a boto3 Session signed as one function's IAM user (tests, the local platform); None: the
        # default credentials, which in Lambda are the function's own role
        self._session = session
        self._secret_sources: dict[str, Any] = {}
        self._overridden = frozenset(overrides)
        self._rules_seen: Any = None
        for name, value in overrides.items():
            if name == "rules":  # fixed rules: a source that never refreshes
                from chalicelib.adapters.rules_store import StaticRules

                name, value = "rules_source", StaticRules(value)
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f"unknown override {name!r}")
            self.__dict__[name] = value

    @cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.from_env()

    def client(self, service: str, **options: Any) -> Any:
        import boto3  # the Lambda runtime provides boto3; imported on first AWS use, not at import time

        factory = self._session.client if self._session is not None else boto3.client
        return factory(service, region_name=self.settings.region, endpoint_url=self.settings.endpoint_url, **options)

    @cached_property
    def sqs(self) -> Any:
        return self.client("sqs")

    @cached_property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def sns(self) -> Any:
        return self.client("sns")

    def secret(self, name: str) -> Any:
        """The SecretSource for one provider's secret, built once (SSM values are cached inside)."""
        if name not in self._secret_sources:
            from chalicelib.adapters.secrets import SecretSource

            value, parameter = self.settings.secret(name)
            self._secret_sources[name] = SecretSource(value, parameter, None if value else self.client("ssm"))
        return self._secret_sources[name]

    def secret_sources(self) -> list[Any]:
        """The secret sources built so far (chalicelib/snapshot.py makes them read SSM again after a restore)."""
        return list(self._secret_sources.values())

    @cached_property
    def intake(self) -> Any:
        from chalicelib.adapters.event_queue import SqsEventQueue
        from chalicelib.services.intake import IntakeService

        return IntakeService(SqsEventQueue(self.sqs, self.settings.events_queue_url))

    @cached_property
    def rules_source(self) -> Any:
        """The packaged rules until the stage's rules store has an object; then that, refreshed (rules_store.py)."""
        from chalicelib.adapters.rules_store import RulesSource
        from chalicelib.routing.loader import load_rules

        s = self.settings
        return RulesSource(
            load_rules(s.rules_file),
            (lambda: self.client("s3")) if s.rules_bucket else None,
            s.rules_bucket,
            s.rules_key,
            s.rules_refresh_seconds,
            # the container's clock times the refreshes, so a test moves it and no test waits
            lambda: self.clock().timestamp(),
        )

    @property
    def rules(self) -> Any:
        """The rules in use now. Services read this per decision (never keep it): a deploy swaps it.

        A few services are built from the rules' settings rather than their decisions (the incident
        section, the replies' window and X mentions, the status page's components): when a deploy swaps
        the rules, they are built again on next use (_FOLLOW_RULES), unless a test put its own in.
        """
        current = self.rules_source.current()
        if current is not self._rules_seen:
            if self._rules_seen is not None:
                for name in _FOLLOW_RULES - self._overridden:
                    self.__dict__.pop(name, None)
            self._rules_seen = current
        return current

    @cached_property
    def customers(self) -> Any:
        """The directory behind a short-lived cache, shared by everything in this container."""
        from chalicelib.adapters.customer_cache import CachedCustomerDirectory
        from chalicelib.adapters.customers_table import DynamoCustomerDirectory

        return CachedCustomerDirectory(DynamoCustomerDirectory(self.dynamodb, self.settings.customers_table))

    @cached_property
    def voice(self) -> Any:
        from chalicelib.routing.decide import decide
        from chalicelib.services.voice import VoiceService

        return VoiceService(
            customers=self.customers,
            decide=lambda event, customer, now, recent: decide(event, customer, now, self.rules, None),
            clock=self.clock,
        )

    @cached_property
    def tickets(self) -> Any:
        from chalicelib.adapters.tickets_table import DynamoTicketRepository

        return DynamoTicketRepository(self.dynamodb, self.settings.tickets_table)

    @cached_property
    def ticket_queries(self) -> Any:
        """The console's lists: the queue by status and urgency, a customer's history (sparse indexes)."""
        from chalicelib.adapters.ticket_queries import DynamoTicketQueries

        return DynamoTicketQueries(self.dynamodb, self.settings.tickets_table)

    @cached_property
    def ticket_page(self) -> Any:
        """ticket id → everything its console page shows (adapters/ticket_page.py), in a few requests."""
        from functools import partial

        from chalicelib.adapters.ticket_page import read_ticket_page

        return partial(read_ticket_page, self.dynamodb, self.settings.tickets_table, self.pages, self.ticket_queries)

    @cached_property
    def ticket_service(self) -> Any:
        """A person resolves or reopens a ticket: its pages stop escalating, the timeline says who."""
        from chalicelib.services.tickets import TicketService

        return TicketService(self.tickets, self.pages)

    @cached_property
    def pages(self) -> Any:
        from chalicelib.adapters.pages_table import DynamoPageRepository

        return DynamoPageRepository(self.dynamodb, self.settings.tickets_table)

    @cached_property
    def paging(self) -> Any:
        """Pages: open or fold, escalate on the sweep, acknowledge by link or SMS."""
        from chalicelib.adapters.pager_topics import SnsPagePublisher
        from chalicelib.paging import links
        from chalicelib.paging.ladder import ladder, last_resort
        from chalicelib.services.paging import PagingService

        s = self.settings
        cap = timedelta(seconds=s.ack_timeout_cap_seconds) if s.ack_timeout_cap_seconds else None
        base = s.public_base_url or ""
        tickets = self.tickets
        return PagingService(
            pages=self.pages,
            tickets=tickets.get,
            mark_paged=tickets.mark_paged,
            publisher=SnsPagePublisher(self.sns, s.pager_topics),
            ladder=lambda ticket, now: ladder(self.rules, ticket.decision, now, cap),
            fold_window=timedelta(seconds=s.page_fold_window_seconds),
            rate_limit=s.page_rate_limit,
            rate_window=timedelta(seconds=s.page_rate_window_seconds),
            last_resort=lambda now: last_resort(self.rules, s.page_last_resort, now),
            link=lambda page, recipient, now: links.ack_url(
                base, page.page_id, recipient.person, links.expiry(now), self.secret("ack").get()
            ),
        )

    @cached_property
    def triage(self) -> Any:
        from chalicelib.replies.guard import refusal
        from chalicelib.routing.decide import decide
        from chalicelib.routing.sentiment import signals_for
        from chalicelib.services.triage import TriageService

        s = self.settings

        def decide_now(event: Any, customer: Any, now: datetime, recent: Any) -> Any:
            rules = self.rules  # one version for the whole decision
            return decide(event, customer, now, rules, signals_for(event, rules, recent))

        return TriageService(
            tickets=self.tickets,
            customers=self.customers,
            pager=self.paging,
            decide=decide_now,
            clock=self.clock,
            dedup_ttl_seconds=s.dedup_ttl_seconds,
            replies=self.replies if s.replies_queue_url else None,
            reply_refusal=lambda event: refusal(event, self.rules.replies),
            record_opt_out=self.opt_outs.record,
            incidents=self.incident_intake,
            reads=self.triage_reads,
        )

    @cached_property
    def triage_reads(self) -> Any:
        """A triage batch's reads, both tables in one request; the customers it reads join the container's cache."""
        from chalicelib.adapters.customer_cache import CachedCustomerDirectory
        from chalicelib.adapters.customers_table import DynamoCustomerDirectory
        from chalicelib.adapters.tickets_table import DynamoTicketRepository
        from chalicelib.adapters.triage_reads import DynamoTriageReads

        cache = self.customers if isinstance(self.customers, CachedCustomerDirectory) else None
        directory = cache.inner if cache is not None else self.customers
        if not isinstance(self.tickets, DynamoTicketRepository) or not isinstance(directory, DynamoCustomerDirectory):
            return None  # a test's own tickets or directory: each message reads through them
        return DynamoTriageReads(self.dynamodb, self.settings.tickets_table, directory.table, cache)

    @cached_property
    def incidents_table(self) -> Any:
        from chalicelib.adapters.incidents_table import DynamoIncidentRepository

        return DynamoIncidentRepository(self.dynamodb, self.settings.tickets_table)

    @cached_property
    def incident_intake(self) -> Any:
        """Triage's burst counting: one suspected incident per burst of outage reports, one page."""
        from chalicelib.incidents.page import incident_decision
        from chalicelib.services.incident_intake import IncidentIntake

        return IncidentIntake(
            self.incidents_table,
            # the burst policy as built; the page it opens follows the rules in use
            self.rules.incidents,
            lambda decision, now: incident_decision(self.rules, decision, now),
            status_url=self.status_url,
        )

    @property
    def status_url(self) -> str:
        return f"{self.settings.public_base_url or ''}/status"

    @cached_property
    def incidents(self) -> Any:
        """Incidents: open, schedule maintenance, confirm, update, resolve, dismiss; each public update told."""
        from chalicelib.services.incidents import IncidentService

        return IncidentService(
            self.incidents_table, self.clock, self.rules.incidents.component_names(), self.incident_notifier
        )

    @cached_property
    def incident_notifier(self) -> Any:
        """Each public update to every linked customer through the reply outbox (no queue: the sweep queues)."""
        from chalicelib.replies.guard import refusal
        from chalicelib.services.incident_updates import IncidentNotifier

        rules = self.rules
        outbox = self.reply_outbox
        # the reply service is built on the first reply told (the ack page's GET builds this and tells nobody)
        queue = (
            (lambda reply_id: self.replies.queue_reply(reply_id))
            if self.settings.replies_queue_url
            else (lambda reply_id: None)
        )
        return IncidentNotifier(
            record=outbox.record,
            queue=queue,
            ticket=self.tickets.get,
            refusal=lambda event: refusal(event, self.rules.replies),
            close_ticket=self.tickets.close,
            timeline=self.pages.record,
            status_url=self.status_url,
            post_to_x=rules.incidents.post_to_x,
        )

    @cached_property
    def ack_incidents(self) -> Any:
        """The ack page's incident forms: the page's incident, confirmed (and the page taken), dismissed, updated."""
        from chalicelib.services.ack_incidents import AckIncidentService

        # the pager is built on a confirm only: showing a page reads incidents and never acknowledges
        return AckIncidentService(
            self.incidents,
            self.incidents_table,
            lambda page_id, person, now, via: self.paging.acknowledge(page_id, person, now, via),
            self.clock,
        )

    @cached_property
    def opt_outs(self) -> Any:
        from chalicelib.adapters.opt_outs import DynamoOptOuts

        return DynamoOptOuts(self.dynamodb, self.settings.tickets_table)

    @cached_property
    def reply_queue(self) -> Any:
        from chalicelib.adapters.reply_queue import SqsReplyQueue
        from chalicelib.errors import ConfigError

        if not self.settings.replies_queue_url:
            raise ConfigError("missing environment variable REPLIES_QUEUE_URL: replies cannot be queued")
        return SqsReplyQueue(self.sqs, self.settings.replies_queue_url)

    @cached_property
    def reply_outbox(self) -> Any:
        from chalicelib.adapters.replies_table import DynamoReplyOutbox

        return DynamoReplyOutbox(self.dynamodb, self.settings.tickets_table)

    @cached_property
    def provider_http(self) -> Any:
        """The HTTP transport to providers' APIs (urllib3 ships with botocore in the Lambda runtime)."""
        import urllib3

        from chalicelib.adapters.provider_http import UrllibTransport

        return UrllibTransport(urllib3.PoolManager())

    @cached_property
    def reply_sender(self) -> Any:
        """Each reply to its channel's adapter; credentials read from SSM on a channel's first send."""
        from chalicelib.adapters.reply_senders import HttpReplySender, SenderConfigs, SesReplySender
        from chalicelib.channels import email_reply, meta_reply, slack_reply, twilio_reply, widget_reply, x_reply
        from chalicelib.errors import ConfigError

        out = self.settings.outbound
        mentions = self.rules.replies.x_mentions

        def twilio() -> twilio_reply.Config:
            if not out.twilio_account_sid:
                raise ConfigError("TWILIO_ACCOUNT_SID is not set: SMS replies are not configured")
            return twilio_reply.Config(out.twilio_account_sid, self.secret("twilio").get(), out.twilio_api)

        def widget() -> widget_reply.Config:
            if not out.widget_reply_url:
                raise ConfigError("WIDGET_REPLY_URL is not set: widget replies are not configured")
            return widget_reply.Config(out.widget_reply_url, self.secret("widget_reply").get())

        configs = SenderConfigs(
            twilio=twilio,
            slack=lambda: slack_reply.Config(self.secret("slack_bot").get(), out.slack_api),
            x=lambda: x_reply.Config(self.secret("x_access").get(), out.x_api, mentions=mentions),
            meta=lambda: meta_reply.Config(
                self.secret("meta_page").get(), self.secret("meta").get(), out.meta_graph, out.meta_graph_version
            ),
            widget=widget,
        )
        email = None
        if out.reply_from_address and out.support_address:
            # no botocore retries behind the outbox's back: it owns retries, and counts what may be duplicated
            from botocore.config import Config as BotoConfig

            client = self.client("sesv2", config=BotoConfig(retries={"max_attempts": 1}))
            email = SesReplySender(client, email_reply.Config(out.reply_from_address, out.support_address))
        return HttpReplySender(self.provider_http, configs, email)

    @cached_property
    def replies(self) -> Any:
        """The reply outbox's service: record, queue, send once, retry, sweep."""
        from chalicelib.services.replies import ReplyService

        pages = self.pages
        return ReplyService(
            outbox=self.reply_outbox,
            queue=self.reply_queue,
            # built on first send: triage records and queues replies, and never loads the senders
            sender=_Lazy(lambda: self.reply_sender),
            disarm_sla=pages.disarm_sla,
            ticket=self.tickets.get,
            clock=self.clock,
            thread_window=self.rules.replies.once_per_thread,
            opted_out=self.opt_outs.is_opted_out,
            backoff_base=timedelta(seconds=self.settings.reply_backoff_seconds),
        )

    @cached_property
    def page_replies(self) -> Any:
        """A paged person's reply from the ack page or by SMS "R <code> <text>", through the outbox."""
        from chalicelib.services.page_replies import PageReplyService

        return PageReplyService(
            pages=self.pages, replies=self.replies, tickets=self.tickets.get, acknowledge=self.paging.acknowledge
        )

    @cached_property
    def sign_in(self) -> Any:
        """Console sign-in links: asked for on /console/sign-in, sent to the person over their pager topic."""
        from chalicelib.adapters.person_messages import SnsPersonMessenger
        from chalicelib.adapters.sign_in_limits import DynamoSignInLimits
        from chalicelib.services.console_sign_in import SignInService

        s = self.settings
        return SignInService(
            people=self.rules.document.people,
            limits=DynamoSignInLimits(self.dynamodb, s.tickets_table),
            messenger=SnsPersonMessenger(self.sns, s.pager_topics),
            secret=lambda: str(self.secret("console").get()),
            clock=self.clock,
            base_url=s.public_base_url or "",
        )

    @cached_property
    def callbacks(self) -> Any:
        """Call-backs through the company line (Twilio Calls API over the providers' HTTP transport)."""
        from chalicelib.channels.twilio_calls import TwilioAccount
        from chalicelib.services.callback import CallbackService

        s = self.settings
        return CallbackService(
            pages=self.pages,
            tickets=self.tickets.get,
            transport=self.provider_http,
            account=lambda: TwilioAccount(
                s.outbound.twilio_account_sid or "", self.secret("twilio").get(), s.outbound.twilio_api
            ),
            support_phone=s.support_phone,
        )

    @cached_property
    def incident_reader(self) -> Any:
        """The public incidents the status page shows (chalicelib.incidents.ports.IncidentReader)."""
        return self.incidents_table

    @cached_property
    def status_page(self) -> Any:
        """The status page's identity: the company's name, the rules' components, the public URL."""
        from chalicelib.incidents.status_view import Component, PageConfig

        # the rules' incidents.components ([{name, description}]), when the rules file has them
        listed = getattr(getattr(self.rules, "incidents", None), "components", None) or ()
        s = self.settings
        return PageConfig(
            title=s.status_page_title,
            components=tuple(Component(c.name, getattr(c, "description", "") or "") for c in listed),
            base_url=s.public_base_url or "",
        )


#: the services built from the rules' settings: rebuilt after a rules deploy (see Container.rules)
_FOLLOW_RULES = frozenset(
    {
        "triage",
        "incident_intake",
        "incidents",
        "incident_notifier",
        "ack_incidents",
        "replies",
        "page_replies",
        "reply_sender",
        "status_page",
    }
)


class _Lazy:
    """A ReplySender built on its first send: the triage function records replies and never sends one."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build

    def send(self, reply: Any, now: datetime) -> Any:
        return self._build().send(reply, now)


#: function name -> its container; None: the default, what every function uses in Lambda (one
#: function per process there). Tests and the local platform run all functions in one process, each
#: under its own IAM user, so they register one container per function.
_containers: dict[str | None, Container] = {}
#: the function the current handler call serves (set by app.py's handlers; routes are the API's)
_serving: ContextVar[str | None] = ContextVar("switchboard_serving", default=None)


def container(function: str | None = None) -> Container:
    """The container for ``function`` (default: the one being served), else this process's default one."""
    found = _containers.get(function or _serving.get()) or _containers.get(None)
    if found is None:
        found = _containers[None] = Container()
    return found


def use(replacement: Container | None, function: str | None = None) -> None:
    """Swap the container of one function, or the default one (tests, the local platform).

    ``use(None)`` resets every container; ``use(None, function)`` only that function's.
    """
    if replacement is not None:
        _containers[function] = replacement
    elif function is None:
        _containers.clear()
    else:
        _containers.pop(function, None)


@contextmanager
def serving(function: str) -> Iterator[None]:
    """Within this block, container() is ``function``'s (when one was registered for it)."""
    token = _serving.set(function)
    try:
        yield
    finally:
        _serving.reset(token)
