"""The demo's directory of addresses: the stand-in's line names the customer a reply reached."""

from __future__ import annotations

import pytest

from local.standin.names import directory, short

NAMES = directory()


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("conv_7f3a91", "Dana Whitfield"),  # a widget conversation, from the sample's visitor
        ("+12125550100", "Dana Whitfield"),  # a phone, from the customer list (company dropped)
        ("4410227733", "Marco Rossi"),  # a Meta PSID, from the customer's meta: handle
        ("987654321012345678", "Mateo Fernández"),  # an X DM sender, from the sample's users{}
        ("1991234567890123456", "Dana Whitfield"),  # a mention's tweet id: a public reply's target
        ("1795161731.000200", "Priya Raman"),  # a Slack thread's ts, from the poster's profile
    ],
)
def test_the_directory_names_each_channels_address(address, name):
    # GIVEN the customers and samples under events/ WHEN the directory is built THEN it names the address
    assert NAMES[address] == name


@pytest.mark.parametrize(
    ("full", "expected"),
    [("Dana Whitfield (Northwind)", "Dana Whitfield"), ("Sam Lee", "Sam Lee"), ("(Acme)", "(Acme)")],
)
def test_short_names_drop_the_company(full, expected):
    # GIVEN a customer's name WHEN shortened THEN the parenthesised company goes, never the whole name
    assert short(full) == expected
