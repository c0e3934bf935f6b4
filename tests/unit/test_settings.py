"""Settings come from the environment once, and say exactly what is missing."""

from __future__ import annotations

import pytest

from chalicelib.errors import ConfigError
from chalicelib.settings import Settings

ENV = {
    "TICKETS_TABLE": "t",
    "CUSTOMERS_TABLE": "c",
    "EVENTS_QUEUE_URL": "https://sqs/q",
    "PAGER_TOPICS": '{"support": "arn:aws:sns:us-east-1:1:s"}',
    "WIDGET_SIGNING_SECRET_PARAM": "/switchboard/dev/widget-signing-secret",
}


def test_a_complete_environment_loads():
    s = Settings.from_env(ENV)
    assert s.pager_topics == {"support": "arn:aws:sns:us-east-1:1:s"}
    assert s.secret("widget") == (None, ENV["WIDGET_SIGNING_SECRET_PARAM"])


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param(
            {k: v for k, v in ENV.items() if k != "TICKETS_TABLE"},
            "missing environment variables: TICKETS_TABLE",
            id="missing",
        ),
        pytest.param({**ENV, "PAGER_TOPICS": "support=arn"}, "PAGER_TOPICS is not JSON", id="not-json"),
        pytest.param({**ENV, "PAGER_TOPICS": '["arn"]'}, "PAGER_TOPICS must be a JSON object", id="not-object"),
        pytest.param(
            {k: v for k, v in ENV.items() if k != "WIDGET_SIGNING_SECRET_PARAM"},
            "WIDGET_SIGNING_SECRET",
            id="no-secret",
        ),
    ],
)
def test_a_broken_environment_says_what_to_fix(env, message):
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env)
    assert message in str(err.value)


def test_a_provider_without_its_secret_names_the_variables_to_set():
    with pytest.raises(ConfigError) as err:
        Settings.from_env(ENV).secret("twilio")
    assert "set TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_PARAM" in str(err.value)
