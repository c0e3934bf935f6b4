"""Sample provider requests from events/: loaded as sent, and signed the way each provider signs."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from chalicelib.channels.base import RawRequest

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "events"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"


@dataclass(frozen=True)
class SampleRequest:
    """One HTTP request a provider would send: method, path, headers and the exact body bytes."""

    name: str
    description: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def provider(self) -> str:
        """The folder under events/ names the provider (paths nest: /webhooks/twilio/dial?attempt=1)."""
        return self.name.split("/", 1)[0]

    def as_raw(self, base_url: str) -> RawRequest:
        """The request as an adapter receives it, called at ``base_url``."""
        from chalicelib.channels.base import RawRequest

        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        return RawRequest(self.method, base_url + self.path, self.headers, self.body, query)

    @property
    def is_http(self) -> bool:
        """SES samples are SNS messages a Lambda receives, not requests sent to the API."""
        return self.provider != "ses"


def _body_bytes(body: Any) -> bytes:
    # a JSON body is stored as an object for readability and sent as compact UTF-8, as the widget does
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load(path: Path) -> SampleRequest:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return SampleRequest(
            name=f"{path.parent.name}/{path.stem}",
            description=doc.get("description", ""),
            method=doc.get("method", "POST"),
            path=doc["path"],
            headers={k.lower(): str(v) for k, v in doc.get("headers", {}).items()},
            body=_body_bytes(doc["body"]),
        )
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path}: not a sample request ({exc})") from None


def all_samples(root: Path = EVENTS_DIR) -> list[SampleRequest]:
    """Every provider sample under events/<provider>/, in a stable order."""
    return [load(p) for p in sorted(root.glob("*/*.json"))]


def local_secrets(config_path: Path = CHALICE_CONFIG) -> dict[str, str]:
    """The local stage's development secrets by name (public by design: they sign the samples)."""
    from chalicelib.settings import SECRET_VARIABLES

    config = json.loads(config_path.read_text(encoding="utf-8"))
    env: dict[str, str] = config["stages"]["local"]["environment_variables"]
    return {name: env[var] for name, var in SECRET_VARIABLES.items() if var in env}


def sign_widget(sample: SampleRequest, secret: str, at: datetime) -> SampleRequest:
    """Standard Webhooks: v1,base64(HMAC-SHA256(secret, id.timestamp.body)), signed by the library."""
    from standardwebhooks.webhooks import Webhook

    webhook_id = sample.headers["webhook-id"]
    signature = Webhook(secret).sign(webhook_id, at, sample.body.decode("utf-8"))
    headers = {**sample.headers, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}
    return replace(sample, headers=headers)


def signed(
    sample: SampleRequest, secrets: dict[str, str], at: datetime | None = None, base_url: str = ""
) -> SampleRequest:
    """Sign a sample as its provider would, now (providers sign at send time, and windows are short).

    ``base_url`` is the API's public URL as the provider calls it: Twilio signs the full URL.
    """
    at = at or datetime.now(UTC)
    provider = sample.provider
    if provider == "widget":
        return sign_widget(sample, secrets["widget"], at)
    if provider not in ("twilio", "slack", "x", "meta", "sendgrid"):
        raise ValueError(f"{sample.name}: no signer for provider {provider!r}")
    signer = importlib.import_module(f"local.signers.{provider}")
    # Meta's subscription GET carries the verify token, not a signature
    name = "meta_verify" if provider == "meta" and sample.method == "GET" else provider
    result: SampleRequest = signer.sign(sample, secrets[name], at, base_url)
    return result
