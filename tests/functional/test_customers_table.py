"""The customers table adapter against moto: lookups by every key kind, reconciling puts, batching, retries."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.customers_table import DynamoCustomerDirectory
from chalicelib.errors import DependencyError, PayloadError
from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender


class CountingClient:
    """The real (moto) client, counting calls; optionally holding back part of the first batch calls' work."""

    def __init__(self, inner: Any, *, unprocessed_gets: int = 0, unprocessed_writes: int = 0) -> None:
        self._inner = inner
        self.calls: dict[str, int] = {}
        self.unprocessed_gets = unprocessed_gets
        self.unprocessed_writes = unprocessed_writes

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        def call(**kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return method(**kwargs)

        return call

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # boto3's keyword
        self.calls["batch_get_item"] = self.calls.get("batch_get_item", 0) + 1
        if not self.unprocessed_gets:
            return dict(self._inner.batch_get_item(RequestItems=RequestItems))
        # as DynamoDB does under throttling: answer for the first key only, hand back the rest
        self.unprocessed_gets -= 1
        ((table, request),) = RequestItems.items()
        first, rest = request["Keys"][:1], request["Keys"][1:]
        response = dict(self._inner.batch_get_item(RequestItems={table: {**request, "Keys": first}}))
        response["UnprocessedKeys"] = {table: {**request, "Keys": rest}} if rest else {}
        return response

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls["batch_write_item"] = self.calls.get("batch_write_item", 0) + 1
        if not self.unprocessed_writes:
            return dict(self._inner.batch_write_item(RequestItems=RequestItems))
        self.unprocessed_writes -= 1
        ((table, requests),) = RequestItems.items()
        self._inner.batch_write_item(RequestItems={table: requests[:1]})
        return {"UnprocessedItems": {table: requests[1:]} if requests[1:] else {}}


NORTHWIND = Customer(
    customer_id="cus_northwind",
    name="Dana Whitfield (Northwind)",
    plan="enterprise",
    email="dana@northwind.example",
    phone="+12125550100",
    handles=("x:@dana_northwind",),
    domain="northwind.example",
    mrr=4800,
    ltv=96000,
    flags=("vip",),
    timezone="America/New_York",
)


@pytest.fixture
def client(aws):
    return CountingClient(aws.clients["dynamodb"])


@pytest.fixture
def directory(aws, client):
    sleeps: list[float] = []
    d = DynamoCustomerDirectory(client, aws.settings.customers_table, sleep=sleeps.append)
    d.sleeps = sleeps  # type: ignore[attr-defined]
    return d


def table_keys(aws) -> set[str]:
    items = aws.clients["dynamodb"].scan(TableName=aws.settings.customers_table)["Items"]
    return {i["key"]["S"] for i in items}


@pytest.mark.parametrize(
    ("sender", "customer_id", "matched_by"),
    [
        (Sender(email="Dana@Northwind.example"), "cus_northwind", "email"),
        (Sender(phone="+12125550100"), "cus_northwind", "phone"),
        (Sender(handle="x:@Dana_Northwind"), "cus_northwind", "handle"),
        (Sender(handle="x:dana_northwind"), "cus_northwind", "handle"),
        (Sender(handle="meta:4410227733"), "cus_rossi", "handle"),
        (Sender(email="ops@northwind.example"), "cus_northwind", "domain"),
        (Sender(email="kim@FABRIKAM.example"), "cus_fabrikam", "domain"),
        # email beats phone beats handle beats domain, even when they name different customers
        (Sender(email="marco@trattoria.example", phone="+12125550100"), "cus_rossi", "email"),
        (Sender(email="kim@fabrikam.example", phone="+393401234567"), "cus_rossi", "phone"),
        (Sender(email="kim@fabrikam.example", handle="x:@dana_northwind"), "cus_northwind", "handle"),
        (Sender(email="nobody@unknown.example"), None, None),
        (Sender(email="someone@gmail.example"), None, None),  # Sam's mailbox provider is not Sam's account
        (Sender(handle="@dana_northwind"), None, None),  # no network: could be anyone's
        (Sender(name="Dana"), None, None),
    ],
    ids=[
        "email-any-case",
        "phone",
        "handle-any-case",
        "handle-without-at",
        "meta-handle",
        "domain",
        "domain-any-case",
        "email-beats-phone",
        "phone-beats-domain",
        "handle-beats-domain",
        "unknown",
        "colleague-at-generic-domain",
        "handle-without-network",
        "name-only",
    ],
)
def test_find_by_every_key_kind_in_precedence_order(directory, client, sender, customer_id, matched_by):
    # GIVEN the sample customers seeded by the aws fixture
    # WHEN a sender is looked up
    customer = directory.find(sender)
    # THEN the expected customer, saying how it was matched, in at most one BatchGetItem
    assert (customer.customer_id if customer else None) == customer_id
    assert (customer.matched_by if customer else None) == matched_by
    assert client.calls.get("batch_get_item", 0) == (1 if sender.lookup_keys() else 0)


def test_a_domain_match_is_the_account_under_its_own_name(directory):
    # GIVEN Northwind's account domain  WHEN a colleague writes
    customer = directory.find(Sender(email="ops@northwind.example", name="Ops Bot"))
    # THEN it is Northwind's customer, named as the account, marked as a domain match
    assert customer == NORTHWIND.model_copy(update={"matched_by": "domain"})


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "Outlook.com", "yahoo.co.jp", "hotmail.co.uk", "icloud.com", "proton.me", "@gmail.com"],
    ids=["gmail", "outlook-any-case", "yahoo-regional", "hotmail-regional", "icloud", "proton", "with-at"],
)
def test_a_generic_mail_domain_is_never_an_account_domain(aws, directory, domain):
    # GIVEN a customer claiming a public mailbox provider as their domain
    customer = Customer(customer_id="cus_x", name="X", email="x@gmail.com", domain=domain)
    # WHEN it is stored  THEN it is refused, naming the field, and nothing is written
    before = table_keys(aws)
    with pytest.raises(PayloadError, match="public mailbox provider") as caught:
        directory.put(customer)
    assert caught.value.field == "domain"
    assert table_keys(aws) == before


def test_changing_an_email_removes_the_stale_key(aws, directory):
    # GIVEN Northwind stored with dana@
    # WHEN it is stored again with a new email and without its handle
    changed = NORTHWIND.model_copy(update={"email": "dana.w@northwind.example", "handles": ()})
    result = directory.put(changed)
    # THEN the old email and the handle find nobody, the new email finds Northwind
    assert (result.updated, result.stale_keys_removed) == (1, 2)
    keys = table_keys(aws)
    assert "email#dana@northwind.example" not in keys
    assert "handle#x:dana_northwind" not in keys
    assert directory.find(Sender(email="dana.w@northwind.example")).matched_by == "email"
    # the old address still belongs to the account through its domain
    assert directory.find(Sender(email="dana@northwind.example")).matched_by == "domain"
    assert directory.get("customer#cus_northwind").keys == (
        "email#dana.w@northwind.example",
        "phone#+12125550100",
        "domain#northwind.example",
    )


def test_a_key_another_customer_took_over_survives_the_old_owners_update(aws, directory):
    # GIVEN Dana's phone moved to a new customer
    newcomer = Customer(customer_id="cus_new", name="New", phone="+12125550100")
    assert directory.put(newcomer).moved_keys == [("phone#+12125550100", "cus_northwind", "cus_new")]
    # WHEN Northwind is stored without that phone
    directory.put(NORTHWIND.model_copy(update={"phone": None}))
    # THEN the conditional delete left the new owner's item alone
    assert directory.find(Sender(phone="+12125550100")).customer_id == "cus_new"


def test_storing_the_same_customers_twice_writes_nothing(aws, directory, client):
    # GIVEN the sample customers already stored
    items = aws.clients["dynamodb"].scan(TableName=aws.settings.customers_table)["Items"]
    # WHEN Northwind is stored again unchanged
    result = directory.put(NORTHWIND)
    # THEN nothing is written and the table is the same
    assert (result.unchanged, result.items_written) == (1, 0)
    assert "batch_write_item" not in client.calls
    assert aws.clients["dynamodb"].scan(TableName=aws.settings.customers_table)["Items"] == items


def test_a_missing_lookup_item_is_repaired_by_the_next_put(aws, directory):
    # GIVEN Northwind's phone item deleted behind the directory's back
    aws.clients["dynamodb"].delete_item(
        TableName=aws.settings.customers_table, Key={"key": {"S": "phone#+12125550100"}}
    )
    # WHEN Northwind is stored again unchanged
    result = directory.put(NORTHWIND)
    # THEN only that item is written back
    assert (result.updated, result.items_written) == (1, 2)  # the item and the record
    assert directory.find(Sender(phone="+12125550100")).customer_id == "cus_northwind"


@pytest.mark.parametrize(
    ("customers", "writes"),
    [
        # 40 handles + email + record = 42 items: two BatchWriteItem calls for the lookup items, one for the record
        (
            [
                Customer(
                    customer_id="c1", name="Many", email="m@many.example", handles=tuple(f"x:@h{i}" for i in range(40))
                )
            ],
            3,
        ),
        # 30 customers x (email + record): 30 lookup items in 2 calls, 30 records in 2 calls
        ([Customer(customer_id=f"c{i}", name=f"C{i}", email=f"c{i}@many.example") for i in range(30)], 4),
    ],
    ids=["one-customer-many-keys", "many-customers"],
)
def test_writes_go_25_items_at_a_time(aws, directory, client, customers, writes):
    # GIVEN more than 25 items to write  WHEN they are stored
    result = directory.put_many(customers)
    # THEN BatchWriteItem carries them 25 at a time, and every key finds its customer
    assert client.calls["batch_write_item"] == writes
    assert result.created == len(customers)
    for customer in customers:
        for handle in customer.handles or ():
            assert directory.find(Sender(handle=handle)).customer_id == customer.customer_id
        assert directory.find(Sender(email=customer.email)).customer_id == customer.customer_id


def test_unprocessed_keys_are_asked_for_again(aws, client, directory):
    # GIVEN DynamoDB answers only one key per call, twice
    client.unprocessed_gets = 2
    # WHEN a sender with four keys is looked up
    customer = directory.find(Sender(email="kim@fabrikam.example", phone="+393401234567", handle="meta:4410227733"))
    # THEN the left-over keys are fetched again, with backoff, and precedence still holds
    assert (customer.customer_id, customer.matched_by) == ("cus_rossi", "phone")
    assert client.calls["batch_get_item"] == 3
    assert directory.sleeps == [0.05, 0.1]


def test_unprocessed_keys_give_up_after_bounded_attempts(aws, client):
    # GIVEN DynamoDB reads one key per call, and the sender has three (email, phone, domain)
    client.unprocessed_gets = 100
    directory = DynamoCustomerDirectory(client, aws.settings.customers_table, max_attempts=2, sleep=lambda _: None)
    # WHEN a sender with several keys is looked up  THEN a retryable error, not a wrong answer
    with pytest.raises(DependencyError, match=r"left 1 key\(s\) unread after 2 attempts") as caught:
        directory.find(Sender(email="kim@fabrikam.example", phone="+393401234567"))
    assert caught.value.retryable


def test_unprocessed_items_are_written_again(aws, client, directory):
    # GIVEN DynamoDB writes only one item of the first batch
    client.unprocessed_writes = 1
    customer = Customer(customer_id="c1", name="C", email="c@c.example", phone="+15555550123", domain="c.example")
    # WHEN the customer is stored
    directory.put(customer)
    # THEN the rest is retried and every key finds them
    assert directory.sleeps == [0.05]
    assert {"email#c@c.example", "phone#+15555550123", "domain#c.example", "customer#c1"} <= table_keys(aws)


def test_a_missing_table_is_a_retryable_error_that_names_it(aws):
    directory = DynamoCustomerDirectory(aws.clients["dynamodb"], "no-such-table")
    with pytest.raises(DependencyError, match="no-such-table does not exist"):
        directory.find(Sender(email="a@b.example"))


def test_two_customers_cannot_share_a_key_in_one_put(directory):
    a = Customer(customer_id="a", name="A", email="same@x.example")
    b = Customer(customer_id="b", name="B", email="Same@x.example")
    with pytest.raises(PayloadError, match=r"email#same@x\.example belongs to both a and b"):
        directory.put_many([a, b])
