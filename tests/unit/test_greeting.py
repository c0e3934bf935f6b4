"""An auto-reply greets the person who wrote, by first name: never the company, an address or a number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.model.customer import Customer
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.greeting import greeting
from cli.compile import RULES_YAML, compile_file

RULES = compile_file(RULES_YAML)[1]
#: Tuesday 02:00 in New York: the office is closed, so a paying customer's question gets an auto-reply
NIGHT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sender", "contact", "expected"),
    [
        pytest.param("Marco Rossi", None, "Marco", id="first-of-two"),
        pytest.param("Okafor, Tom", None, "Tom", id="surname-comma-given"),
        pytest.param("DANA WHITFIELD", None, "Dana", id="shouted"),
        pytest.param("dana.whitfield", None, "Dana", id="login-style"),
        pytest.param("Anne-Marie Dupont", None, "Anne-Marie", id="hyphenated"),
        pytest.param("José Núñez", None, "José", id="accents"),
        pytest.param("Dr. Ngozi Okonjo", None, "Dr. Okonjo", id="title-keeps-surname"),
        pytest.param('"Priya" <priya@contoso.example>', None, "Priya", id="quoted"),
        pytest.param("dana@northwind.example", None, "there", id="an-email-address"),
        pytest.param("+12125550100", None, "there", id="a-phone-number"),
        pytest.param("@dana_w", None, "there", id="a-handle"),
        pytest.param("J.", None, "there", id="an-initial"),
        pytest.param(None, "Giulia Bianchi", "Giulia", id="contact-when-the-sender-has-no-name"),
        pytest.param("+393401234567", "Giulia Bianchi", "Giulia", id="contact-when-the-name-is-a-number"),
        pytest.param(None, None, "there", id="nobody-named"),
    ],
)
def test_the_greeting_is_the_writer_s_first_name(sender, contact, expected):
    assert greeting(sender, contact) == expected


def message(sender: Sender) -> SupportEvent:
    return SupportEvent(
        event_id="widget:g",
        channel=Channel.WIDGET,
        provider="widget",
        received_at=NIGHT,
        sender=sender,
        text="How do I add a second location?",
    )


TRATTORIA = Customer(customer_id="c-rossi", name="Trattoria Marco", plan="pro", mrr=99, timezone="Europe/Rome")


@pytest.mark.parametrize(
    ("sender", "customer", "hello"),
    [
        pytest.param(
            Sender(name="Giulia Rossi", email="giulia@trattoria.example"), TRATTORIA, "Hi Giulia,", id="writer"
        ),
        pytest.param(
            Sender(phone="+393401234567"),
            TRATTORIA.model_copy(update={"contact_name": "Marco Rossi"}),
            "Hi Marco,",
            id="account-contact",
        ),
        pytest.param(Sender(phone="+393401234567"), TRATTORIA, "Hi there,", id="not-the-company"),
        pytest.param(Sender(email="x@example.org"), Customer.unknown("x@example.org"), "Hi there,", id="unknown"),
    ],
)
def test_an_auto_reply_greets_who_wrote_not_the_account(sender, customer, hello):
    # GIVEN a message at night from someone at an account named after the business
    # WHEN it is decided
    decision = decide(message(sender), customer, NIGHT, RULES)
    # THEN the reply greets the writer, else the account's contact, else "there"
    assert decision.auto_reply is not None
    assert decision.auto_reply.startswith(hello)
