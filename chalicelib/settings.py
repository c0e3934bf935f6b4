"""Settings.from_env(): every resource name and knob, read from the environment once per container."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.errors import ConfigError

#: secret name → the environment variable holding it directly (local development); in AWS the same
#: variable with a _PARAM suffix names an SSM SecureString parameter instead
SECRET_VARIABLES = {
    "widget": "WIDGET_SIGNING_SECRET",
    "twilio": "TWILIO_AUTH_TOKEN",
    "slack": "SLACK_SIGNING_SECRET",
    "x": "X_CONSUMER_SECRET",
    "meta": "META_APP_SECRET",
    "meta_verify": "META_VERIFY_TOKEN",
    "sendgrid": "SENDGRID_INBOUND_TOKEN",
    "ack": "ACK_LINK_SECRET",  # signs the acknowledgement links in pages
    "console": "CONSOLE_SESSION_SECRET",  # signs the console's sessions, sign-in links and CSRF tokens
    # what replies send with (chalicelib/adapters/reply_senders.py); Twilio's auth token serves both ways
    "slack_bot": "SLACK_BOT_TOKEN",
    "x_access": "X_ACCESS_TOKEN",  # an OAuth 2.0 user-context token of our X account
    "meta_page": "META_PAGE_TOKEN",
    "widget_reply": "WIDGET_REPLY_SECRET",  # signs the Standard Webhooks we send the widget backend
}


@dataclass(frozen=True)
class Outbound:
    """Where replies go: each provider's API base (settings, so tests and `make run` point them at loopback)."""

    twilio_api: str = "https://api.twilio.com"
    slack_api: str = "https://slack.com/api"
    x_api: str = "https://api.x.com"
    meta_graph: str = "https://graph.facebook.com"
    meta_graph_version: str = "v21.0"
    #: the widget backend's endpoint for replies; None: widget replies are not configured
    widget_reply_url: str | None = None
    #: our Twilio account (not a secret: it names the account, the auth token proves it)
    twilio_account_sid: str | None = None
    #: what a customer sees in From, an identity verified in SES; None: email replies are not configured
    reply_from_address: str | None = None
    #: the support mailbox whose plus addresses name tickets (support+T-…@…), the Reply-To of every email reply
    support_address: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Outbound:
        base = cls()
        return cls(
            twilio_api=_url(env, "TWILIO_API_BASE") or base.twilio_api,
            slack_api=_url(env, "SLACK_API_BASE") or base.slack_api,
            x_api=_url(env, "X_API_BASE") or base.x_api,
            meta_graph=_url(env, "META_GRAPH_BASE") or base.meta_graph,
            meta_graph_version=env.get("META_GRAPH_VERSION") or base.meta_graph_version,
            widget_reply_url=_url(env, "WIDGET_REPLY_URL"),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            reply_from_address=env.get("REPLY_FROM_ADDRESS") or None,
            support_address=env.get("SUPPORT_ADDRESS") or None,
        )


#: the compiled rules (`make rules` writes it from config/routing.yaml)
DEFAULT_RULES_FILE = Path(__file__).parent / "config" / "routing.json"


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    tickets_table: str
    customers_table: str
    events_queue_url: str
    #: page target name (a team or "founders") -> SNS topic ARN
    pager_topics: Mapping[str, str] = field(default_factory=dict)
    #: the local AWS stand-in (moto server); None in AWS
    endpoint_url: str | None = None
    #: secret name → (value given directly, SSM parameter name); see SECRET_VARIABLES
    secrets: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)
    #: the public URL providers call (scheme://host[/stage]); Twilio signs the full URL
    public_base_url: str | None = None
    rules_file: Path = DEFAULT_RULES_FILE
    #: seconds a transient item (event dedup marker) lives before DynamoDB TTL removes it
    dedup_ttl_seconds: int = 14 * 24 * 3600
    #: the longest acknowledgement timeout of any escalation level (the local stage shortens them
    #: to show escalation in seconds); None: the rules' own timeouts
    ack_timeout_cap_seconds: int | None = None
    #: pages for the same thread or customer within this many seconds fold into the open page (0: never)
    page_fold_window_seconds: int = 600
    #: at most this many pages per person per window (a page counts once, however often it reaches them);
    #: more wait for their digest
    page_rate_limit: int = 5
    page_rate_window_seconds: int = 600
    #: who is told, once, that a page's whole ladder ran out with nobody answering (a rules target)
    page_last_resort: str = "team:founders"
    #: the replies queue (the outbox's sender reads it); None: replies are decided but nothing is sent
    replies_queue_url: str | None = None
    outbound: Outbound = field(default_factory=Outbound)
    #: the first retry's wait after a provider's "later" (doubling after that); the local stage shortens it
    reply_backoff_seconds: int = 15
    #: the company line a call-back shows customers who did not text or call us (E.164); None: none
    support_phone: str | None = None
    #: the company's name as the public status page shows it ("Acme status")
    status_page_title: str = "Switchboard"
    #: the stage's rules store (`switchboard rules deploy`); None: the packaged rules_file only
    rules_bucket: str | None = None
    rules_key: str = "rules/routing.json"
    #: how often a container looks for new rules (a conditional GET); the local stage looks every 2 s
    rules_refresh_seconds: int = 60

    def secret(self, name: str) -> tuple[str | None, str | None]:
        """(value, SSM parameter name) for a secret; ConfigError when neither is configured."""
        value, parameter = self.secrets.get(name, (None, None))
        if not value and not parameter:
            var = SECRET_VARIABLES[name]
            raise ConfigError(f"the {name} secret is not configured: set {var} or {var}_PARAM")
        return value, parameter

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        missing = [
            name
            for name in ("TICKETS_TABLE", "CUSTOMERS_TABLE", "EVENTS_QUEUE_URL", "PAGER_TOPICS")
            if not env.get(name)
        ]
        if missing:
            raise ConfigError(f"missing environment variables: {', '.join(missing)}")
        try:
            topics = json.loads(env["PAGER_TOPICS"])
        except json.JSONDecodeError as exc:
            raise ConfigError(f"PAGER_TOPICS is not JSON: {exc}") from None
        if not isinstance(topics, dict) or not all(isinstance(v, str) for v in topics.values()):
            raise ConfigError('PAGER_TOPICS must be a JSON object of name -> topic ARN, e.g. {"support": "arn:..."}')
        if not env.get("WIDGET_SIGNING_SECRET") and not env.get("WIDGET_SIGNING_SECRET_PARAM"):
            raise ConfigError("set WIDGET_SIGNING_SECRET (local) or WIDGET_SIGNING_SECRET_PARAM (SSM parameter name)")
        secrets = {
            name: (env.get(var) or None, env.get(f"{var}_PARAM") or None) for name, var in SECRET_VARIABLES.items()
        }
        return cls(
            stage=env.get("STAGE", "dev"),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            tickets_table=env["TICKETS_TABLE"],
            customers_table=env["CUSTOMERS_TABLE"],
            events_queue_url=env["EVENTS_QUEUE_URL"],
            pager_topics=dict(topics),
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            secrets=secrets,
            public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            rules_file=Path(env["RULES_FILE"]) if env.get("RULES_FILE") else DEFAULT_RULES_FILE,
            ack_timeout_cap_seconds=_positive_int(env, "ACK_TIMEOUT_CAP_SECONDS"),
            page_fold_window_seconds=_seconds(env, "PAGE_FOLD_WINDOW_SECONDS", 600),
            page_rate_limit=_positive_int(env, "PAGE_RATE_LIMIT") or 5,
            page_rate_window_seconds=_positive_int(env, "PAGE_RATE_WINDOW_SECONDS") or 600,
            page_last_resort=env.get("PAGE_LAST_RESORT") or "team:founders",
            replies_queue_url=env.get("REPLIES_QUEUE_URL") or None,
            outbound=Outbound.from_env(env),
            support_phone=env.get("SUPPORT_PHONE") or None,
            reply_backoff_seconds=_positive_int(env, "REPLY_BACKOFF_SECONDS") or 15,
            status_page_title=env.get("STATUS_PAGE_TITLE") or "Switchboard",
            rules_bucket=env.get("RULES_BUCKET") or None,
            rules_key=env.get("RULES_KEY") or "rules/routing.json",
            rules_refresh_seconds=_positive_int(env, "RULES_REFRESH_SECONDS") or 60,
        )


def _url(env: Mapping[str, str], name: str) -> str | None:
    text = (env.get(name) or "").rstrip("/")
    if text and not text.startswith(("https://", "http://")):
        raise ConfigError(f"{name} must be an http(s) URL, not {text!r}")
    return text or None


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    if not text.isdigit():
        raise ConfigError(f"{name} must be a whole number of seconds (0 or more), not {text!r}")
    return int(text)


def _positive_int(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name)
    if not text:
        return None
    if not text.isdigit() or int(text) == 0:
        raise ConfigError(f"{name} must be a whole number of seconds above 0, not {text!r}")
    return int(text)
