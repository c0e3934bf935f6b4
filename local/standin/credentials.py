"""The secrets the stand-in checks requests against: the same local values the platform gives the app."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from local.samples import CHALICE_CONFIG

#: The outbound credentials the app needs locally and the stand-in expects. They are made up and
#: only ever reach loopback; TWILIO_AUTH_TOKEN and META_APP_SECRET come from .chalice/config.json's
#: local stage, where the inbound routes already use them.
LOCAL_OUTBOUND_SECRETS = {
    "TWILIO_ACCOUNT_SID": "AC5b1c0ca15b1c0ca15b1c0ca15b1c0ca1",  # AC + 32 hex, as Twilio's are
    "SLACK_BOT_TOKEN": "xoxb-local-0000000001-switchboard-bot",
    "X_USER_ACCESS_TOKEN": "x-local-user-access-token",
    "META_PAGE_ACCESS_TOKEN": "meta-local-page-access-token",
    # whsec_ + base64("switchboard-local-widget-reply-secret"): what standardwebhooks expects
    "WIDGET_REPLY_SECRET": "whsec_c3dpdGNoYm9hcmQtbG9jYWwtd2lkZ2V0LXJlcGx5LXNlY3JldA==",
}


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
            x_user_access_token=env["X_USER_ACCESS_TOKEN"],
            meta_page_access_token=env["META_PAGE_ACCESS_TOKEN"],
            meta_app_secret=env["META_APP_SECRET"],
            widget_reply_secret=env["WIDGET_REPLY_SECRET"],
        )

    @classmethod
    def local(cls, stage: str = "local") -> Credentials:
        """The local platform's: the stage's secrets from .chalice/config.json plus LOCAL_OUTBOUND_SECRETS."""
        return cls.from_env(local_environment(stage))


def local_environment(stage: str = "local") -> dict[str, str]:
    """The stage's environment from .chalice/config.json with the outbound secrets added (config wins)."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    stage_env: dict[str, str] = config["stages"][stage].get("environment_variables", {})
    return {**LOCAL_OUTBOUND_SECRETS, **stage_env}
