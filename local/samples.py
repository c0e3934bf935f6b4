"""Sample provider requests from events/: loaded as sent, and signed the way each provider signs."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
        return self.path.rstrip("/").rsplit("/", 1)[-1]


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
    """The local stage's development secrets (public by design: they sign the samples)."""
    config = json.loads(config_path.read_text(encoding="utf-8"))
    env: dict[str, str] = config["stages"]["local"]["environment_variables"]
    return {"widget": env["WIDGET_SIGNING_SECRET"]}


def sign_widget(sample: SampleRequest, secret: str, at: datetime) -> SampleRequest:
    """Standard Webhooks: v1,base64(HMAC-SHA256(secret, id.timestamp.body)), signed by the library."""
    from standardwebhooks.webhooks import Webhook

    webhook_id = sample.headers["webhook-id"]
    signature = Webhook(secret).sign(webhook_id, at, sample.body.decode("utf-8"))
    headers = {**sample.headers, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}
    return replace(sample, headers=headers)


def signed(sample: SampleRequest, secrets: dict[str, str], at: datetime | None = None) -> SampleRequest:
    """Sign a sample as its provider would, now (providers sign at send time, and windows are short)."""
    at = at or datetime.now(UTC)
    if sample.provider == "widget":
        return sign_widget(sample, secrets["widget"], at)
    raise ValueError(f"{sample.name}: no signer for provider {sample.provider!r}")
