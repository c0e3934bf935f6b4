"""`switchboard customers import/show` in-process against moto's customers table."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.customers_table import DynamoCustomerDirectory
from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender
from cli.customer_csv import COLUMNS
from cli.main import main

SAMPLE = Path(__file__).resolve().parents[2] / "events" / "customers.csv"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def scan(aws) -> list[dict[str, Any]]:
    items = aws.clients["dynamodb"].scan(TableName=aws.settings.customers_table)["Items"]
    return sorted(items, key=lambda i: i["key"]["S"])


def directory(aws) -> DynamoCustomerDirectory:
    return DynamoCustomerDirectory(aws.clients["dynamodb"], aws.settings.customers_table)


def find(aws, sender: Sender) -> Customer:
    customer = directory(aws).find(sender)
    assert customer is not None, f"nobody found for {sender}"
    return customer


def run(aws, *args: str) -> int:
    return main(["customers", *args, "--table", aws.settings.customers_table])


def test_importing_the_sample_file(aws, capsys):
    # GIVEN the five sample customers seeded from customers.json
    # WHEN the sample CSV (the same five plus four more) is imported
    code = run(aws, "import", str(SAMPLE))
    # THEN exit 0, the four are unchanged, the others are new and can be found
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    table = aws.settings.customers_table
    assert out == f"{SAMPLE}: imported 9 of 9 rows into {table} (4 new, 0 updated, 5 unchanged)\n"
    found = find(aws, Sender(email="someone@contoso-health.example"))
    assert (found.customer_id, found.matched_by, found.flags) == ("cus_contoso", "domain", ("vip", "sla-24x7"))
    assert find(aws, Sender(handle="slack:U04C0NT0S0")).customer_id == "cus_contoso"


def test_importing_twice_changes_nothing(aws, capsys):
    # GIVEN the sample imported once
    assert run(aws, "import", str(SAMPLE)) == 0
    before = scan(aws)
    capsys.readouterr()
    # WHEN it is imported again  THEN every row is unchanged and the table is identical
    assert run(aws, "import", str(SAMPLE)) == 0
    assert "(0 new, 0 updated, 9 unchanged)" in capsys.readouterr().out
    assert scan(aws) == before


def test_bad_rows_are_reported_by_line_and_the_good_ones_imported(aws, tmp_path, capsys):
    # GIVEN the sample plus three bad rows
    path = tmp_path / "customers.csv"
    bad = [
        "cus_bad1,Bad Phone,pro,bad1@acme.example,555-0100,,,,,,",
        "cus_bad2,Gmail Account,pro,owner@gmail.com,,,gmail.com,,,,",
        "cus_northwind,Duplicate,pro,dup@dup.example,,,,,,,",
    ]
    path.write_text(SAMPLE.read_text(encoding="utf-8") + "\n".join(bad) + "\n", encoding="utf-8")
    # WHEN it is imported
    code = run(aws, "import", str(path))
    # THEN exit 1, each error names the file, line and column, and the valid rows are in
    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines() == [
        f"{path}:11: phone: not an E.164 phone number: '555-0100' (write + then country code and number, e.g. +12125550100)",
        f"{path}:12: domain: gmail.com is a public mailbox provider, not an account's domain: anyone can have an"
        " address there; leave domain empty and list the person's own email instead",
        f"{path}:13: customer_id: duplicate customer_id 'cus_northwind' (first on line 2); row skipped",
    ]
    assert out.endswith(
        "imported 9 of 12 rows into switchboard-local-customers (4 new, 0 updated, 5 unchanged); 3 failed (see above)\n"
    )
    assert directory(aws).find(Sender(email="dup@dup.example")) is None
    assert directory(aws).get("customer#cus_bad1") is None


def test_a_dry_run_writes_nothing(aws, capsys):
    before = scan(aws)
    assert run(aws, "import", "--dry-run", str(SAMPLE)) == 0
    assert capsys.readouterr().out == f"{SAMPLE}: 9 rows, 9 valid; dry run, nothing written\n"
    assert scan(aws) == before


def test_a_changed_row_leaves_no_stale_key(aws, tmp_path, capsys):
    # GIVEN the sample imported, then Dana's row changed to a new email and no handle
    assert run(aws, "import", str(SAMPLE)) == 0
    changed = SAMPLE.read_text(encoding="utf-8").replace("dana@northwind.example,", "dana.w@northwind.example,")
    changed = changed.replace("x:@dana_northwind,", ",")
    path = tmp_path / "customers.csv"
    path.write_text(changed, encoding="utf-8")
    # WHEN it is imported again
    assert run(aws, "import", str(path)) == 0
    # THEN one customer was updated, and its old email and handle keys are gone
    assert "(0 new, 1 updated, 8 unchanged)" in capsys.readouterr().out
    keys = {i["key"]["S"] for i in scan(aws)}
    assert "email#dana.w@northwind.example" in keys
    assert not {"email#dana@northwind.example", "handle#x:dana_northwind"} & keys


def test_a_long_file_draws_progress_and_writes_in_batches(aws, tmp_path, capsys, monkeypatch):
    # GIVEN 250 customers and a terminal on stderr
    rows = [f"cus_{i:03},Customer {i},pro,c{i}@bulk.example,+1555555{i:04},,,{i},{i * 12},,UTC" for i in range(250)]
    path = tmp_path / "bulk.csv"
    path.write_text("\n".join([",".join(COLUMNS), *rows]) + "\n", encoding="utf-8")
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    calls: list[int] = []
    real = aws.clients["dynamodb"].batch_write_item

    def counting(**kwargs):
        calls.append(len(next(iter(kwargs["RequestItems"].values()))))
        return real(**kwargs)

    monkeypatch.setattr(aws.clients["dynamodb"], "batch_write_item", counting)
    monkeypatch.setattr("boto3.client", lambda *a, **k: aws.clients["dynamodb"])
    # WHEN it is imported
    assert run(aws, "import", str(path)) == 0
    # THEN the bar moved in steps, was erased, and 750 items (email, phone, record) went 25 at a time
    drawn = tty.getvalue()
    assert "[##############################] 250/250 rows" in drawn
    assert "100/250 rows" in drawn
    assert drawn.endswith("\r")
    assert sum(calls) == 750
    assert max(calls) == 25
    assert "(250 new, 0 updated, 0 unchanged)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("key", "first_line", "matched"),
    [
        ("dana@northwind.example", "Dana Whitfield (Northwind)", "matched by  email (email#dana@northwind.example)"),
        ("+1 212 555 0100", "Dana Whitfield (Northwind)", "matched by  phone (phone#+12125550100)"),
        ("x:@dana_northwind", "Dana Whitfield (Northwind)", "matched by  handle (handle#x:dana_northwind)"),
        (
            "fabrikam.example",
            "Jürgen Müller (Fabrikam)",
            "matched by  domain (domain#fabrikam.example): anyone at fabrikam.example belongs to this account",
        ),
        ("cus_rossi", "Marco Rossi (Trattoria Digitale)", "matched by  customer id (customer#cus_rossi)"),
    ],
    ids=["email", "phone", "handle", "domain", "customer-id"],
)
def test_show_by_each_kind_of_key(aws, capsys, key, first_line, matched):
    # GIVEN the seeded sample customers  WHEN one is shown by a key
    assert run(aws, "show", key) == 0
    # THEN its name, how it matched and its facts
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == first_line
    assert f"  {matched}" in lines


def test_show_prints_every_fact(aws, capsys):
    assert run(aws, "show", "cus_northwind") == 0
    assert capsys.readouterr().out == (
        "Dana Whitfield (Northwind)\n"
        "  customer    cus_northwind\n"
        "  matched by  customer id (customer#cus_northwind)\n"
        "  plan        enterprise\n"
        "  MRR         4,800\n"
        "  LTV         96,000\n"
        "  flags       vip\n"
        "  timezone    America/New_York\n"
        "  email       dana@northwind.example\n"
        "  phone       +12125550100\n"
        "  handles     x:@dana_northwind\n"
        "  domain      northwind.example\n"
        "  keys        email#dana@northwind.example\n"
        "              phone#+12125550100\n"
        "              handle#x:dana_northwind\n"
        "              domain#northwind.example\n"
    )


def test_show_nobody_exits_1(aws, capsys):
    assert run(aws, "show", "nobody@nowhere.example") == 1
    err = capsys.readouterr().err
    assert (
        err
        == "switchboard customers show: no customer under email#nobody@nowhere.example in switchboard-local-customers\n"
    )


def test_a_missing_table_is_one_clear_line(aws, capsys):
    assert main(["customers", "import", str(SAMPLE), "--stage", "nope"]) == 2
    assert capsys.readouterr().err == (
        "switchboard customers import: error: the customers table switchboard-nope-customers does not exist (or is not ready)\n"
    )


def test_a_key_that_moves_to_another_customer_is_noted(aws, tmp_path, capsys):
    # GIVEN Sam Lee's address, seeded as cus_samlee, now listed under a new customer
    path = tmp_path / "customers.csv"
    path.write_text(
        ",".join(COLUMNS) + "\ncus_sam2,Sam Lee (new account),pro,sam.lee@gmail.example,,,,,,,\n", encoding="utf-8"
    )
    # WHEN it is imported
    assert run(aws, "import", str(path)) == 0
    # THEN a note says who the key found before, and it finds the new customer from now on
    assert capsys.readouterr().err == (
        f"{path}:2: note: email#sam.lee@gmail.example found cus_samlee until now; it finds cus_sam2 from now on\n"
    )
    assert find(aws, Sender(email="sam.lee@gmail.example")).customer_id == "cus_sam2"
