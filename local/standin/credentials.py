"""The secrets the stand-in checks requests against: the same local values the platform gives the app."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from local.samples import CHALICE_CONFIG


@dataclass(frozen=True)
class Credentials:
    twilio_account_sid: str
    twilio_auth_token: str
    slack_bot_token: str
    x_user_access_token: str
    meta_page_access_token: str
    meta_app_secret: str
    widget_reply_secret: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Credentials:
        """From the variables the app reads (KeyError names the one missing)."""
        return cls(
            twilio_account_sid=env["TWILIO_ACCOUNT_SID"],
            twilio_auth_token=env["TWILIO_AUTH_TOKEN"],
            slack_bot_token=env["SLACK_BOT_TOKEN"],
            x_user_access_token=env["X_ACCESS_TOKEN"],
            meta_page_access_token=env["META_PAGE_TOKEN"],
            meta_app_secret=env["META_APP_SECRET"],
            widget_reply_secret=env["WIDGET_REPLY_SECRET"],
        )

    @classmethod
    def local(cls, stage: str = "local") -> Credentials:
        """The local platform's: the stage's secrets from .chalice/config.json."""
        return cls.from_env(local_environment(stage))


def local_environment(stage: str = "local") -> dict[str, str]:
    """The stage's environment from .chalice/config.json: the made-up local credentials the app sends
    with (they only ever reach loopback), which the stand-in checks every request against."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    stage_env: dict[str, str] = config["stages"][stage].get("environment_variables", {})
    return dict(stage_env)
