"""The customers CLI without AWS: CSV validation with FILE:LINE errors, key parsing, the progress bar, --help."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chalicelib.model.directory import generic_mail_domain
from chalicelib.model.event import Sender
from cli.customer_csv import COLUMNS, CsvFileError, read_customers
from cli.customers import lookup_key
from cli.main import main
from cli.progress import ProgressBar

HEADER = ",".join(COLUMNS)
GOOD = 'cus_a,Ada (Acme),Pro,ada@acme.example,+1 (212) 555-0101,x:@ada;meta:123,Acme.example,10,"1,200.50",VIP;beta,UTC'
SAMPLE = Path(__file__).resolve().parents[2] / "events" / "customers.csv"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_good_row_is_normalised_the_way_people_write_spreadsheets(tmp_path):
    # GIVEN a row with a formatted phone and amount, mixed case plan/flags/domain  WHEN the file is read
    parsed = read_customers(write(tmp_path, HEADER, GOOD))
    # THEN one customer, normalised
    assert parsed.errors == []
    ((line, customer),) = parsed.customers
    assert line == 2
    assert (customer.plan, customer.phone, customer.domain, customer.flags) == (
        "pro",
        "+12125550101",
        "acme.example",
        ("vip", "beta"),
    )
    assert customer.handles == ("x:@ada", "meta:123")
    assert (customer.mrr, customer.ltv) == (10.0, 1200.5)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (",Nameless,,a@a.example,,,,,,,", "customer_id", "is empty; every row needs one"),
        ("c1,,,a@a.example,,,,,,,", "name", "is empty; every row needs one"),
        ("c1,N,,a@a.example,212-555-0100,,,,,,", "phone", "not an E.164 phone number: '212-555-0100'"),
        ("c1,N,,a@a.example,,,,lots,,,", "mrr", "not a number: 'lots'"),
        ('c1,N,,a@a.example,,,,"4,5",,,', "mrr", "not a number: '4,5'"),
        ("c1,N,,a@a.example,,,,,-5,,", "ltv", "must be 0 or more"),
        ("c1,N,,not-an-email,,,,,,,", "email", "not an email address"),
        ("c1,N,,,,twitter:@n,,,,,", "handles", "unknown network 'twitter'"),
        ("c1,N,,,,@n,,,,,", "handles", "is not <network>:<handle>"),
        ("c1,N,,a@a.example,,,gmail.com,,,,", "domain", "gmail.com is a public mailbox provider"),
        ("c1,N,,a@a.example,,,acme,,,,", "domain", "not a domain name"),
        ("c1,N,,a@a.example,,,,,,,Europe/Londn", "timezone", "unknown time zone 'Europe/Londn'"),
        ("c1,N,,,,,,,,,", "email", "no way to recognise this customer"),
        ("c1,N,,a@a.example,,,,1,2", "row", "9 cells, but the header has 11 columns"),
        ("c1,N,,a@a.example,,,,1,000,,,", "row", "12 cells, but the header has 11 columns (a value with a comma"),
    ],
    ids=[
        "no-id",
        "no-name",
        "phone-not-e164",
        "mrr-not-a-number",
        "decimal-comma-is-not-guessed",
        "negative-ltv",
        "bad-email",
        "unknown-network",
        "handle-without-network",
        "generic-domain",
        "domain-without-dot",
        "unknown-zone",
        "no-lookup-key",
        "too-few-cells",
        "unquoted-comma",
    ],
)
def test_each_problem_names_the_line_and_the_column(tmp_path, row, column, message):
    # GIVEN a good row then a bad one  WHEN the file is read
    parsed = read_customers(write(tmp_path, HEADER, GOOD, row))
    # THEN the good row is kept and the bad row is reported at line 3, in its column
    assert [c.customer_id for _, c in parsed.customers] == ["cus_a"]
    assert [(e.line, e.column) for e in parsed.errors] == [(3, column)]
    assert message in parsed.errors[0].message
    assert parsed.errors[0].format("f.csv").startswith(f"f.csv:3: {column}: ")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("cus_a,Again,,other@acme2.example,,,,,,,", "customer_id", "duplicate customer_id 'cus_a' (first on line 2)"),
        ("cus_b,Bea,,ADA@acme.example,,,,,,,", "email", "ada@acme.example is already cus_a's email (line 2)"),
        ("cus_b,Bea,,b@b.example,,x:ada,,,,,", "handles", "x:ada is already cus_a's handle (line 2)"),
        ("cus_b,Bea,,b@b.example,,,acme.example,,,,", "domain", "acme.example is already cus_a's domain (line 2)"),
    ],
    ids=["same-id", "same-email-other-case", "same-handle-without-at", "same-domain"],
)
def test_the_later_of_two_clashing_rows_is_the_error(tmp_path, row, column, message):
    parsed = read_customers(write(tmp_path, HEADER, GOOD, row))
    assert [c.customer_id for _, c in parsed.customers] == ["cus_a"]
    assert [(e.line, e.column, e.message.startswith(message)) for e in parsed.errors] == [(3, column, True)]


def test_line_numbers_are_physical_lines(tmp_path):
    # GIVEN a blank line and a quoted name spanning two lines before a bad row
    path = write(
        tmp_path,
        HEADER,
        "",
        'c1,"Two\nLines",,a@a.example,,,,,,,',
        "c2,Bad,,b@b.example,,,,,,,Mars/Base",
    )
    # WHEN read  THEN the bad row is reported on line 5, where it is in an editor
    parsed = read_customers(path)
    assert [(e.line, e.column) for e in parsed.errors] == [(5, "timezone")]
    assert parsed.rows == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty; expected columns: customer_id,name,plan,"),
        ("customer_id,name,emial\n", "unknown column 'emial' (did you mean 'email'?)"),
        ("customer_id,email\n", "missing column 'name'"),
        ("customer_id,name,name\n", "column 'name' appears twice"),
    ],
    ids=["empty", "typo", "missing-required", "duplicate-column"],
)
def test_a_bad_header_lists_the_expected_columns(tmp_path, content, message):
    path = tmp_path / "c.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CsvFileError, match="expected columns") as caught:
        read_customers(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:1: header: ")


def test_a_header_may_omit_optional_columns_and_carry_a_byte_order_mark(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("\ufeffName,Customer_ID,Email\nAda,c1,ada@a.example\n", encoding="utf-8")
    ((_, customer),) = read_customers(path).customers
    assert (customer.customer_id, customer.plan, customer.timezone) == ("c1", "free", "UTC")


def test_the_sample_file_is_clean():
    parsed = read_customers(SAMPLE)
    assert parsed.errors == []
    assert len(parsed.customers) >= 8


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Dana@Northwind.example", "email#dana@northwind.example"),
        ("+1 212 555-0100", "phone#+12125550100"),
        ("x:@Dana_Northwind", "handle#x:dana_northwind"),
        ("meta:4410227733", "handle#meta:4410227733"),
        ("Northwind.example", "domain#northwind.example"),
        ("cus_northwind", "customer#cus_northwind"),
        ("email#dana@northwind.example", "email#dana@northwind.example"),
    ],
    ids=["email", "phone-formatted", "x-handle", "meta-handle", "domain", "customer-id", "table-key"],
)
def test_show_understands_every_kind_of_key(text, key):
    assert lookup_key(text) == key


@pytest.mark.parametrize(
    ("sender", "keys"),
    [
        (Sender(email=" Dana@Northwind.example "), ["email#dana@northwind.example", "domain#northwind.example"]),
        (Sender(phone="+12125550100"), ["phone#+12125550100"]),
        (Sender(handle="X:@Dana"), ["handle#x:dana"]),
        (Sender(handle="@dana"), []),
        (Sender(email="sam@gmail.com"), ["email#sam@gmail.com"]),
        (
            Sender(email="a@b.example", phone="+15555550123", handle="meta:1"),
            ["email#a@b.example", "phone#+15555550123", "handle#meta:1", "domain#b.example"],
        ),
    ],
    ids=["email-and-domain", "phone", "handle", "handle-without-network", "generic-domain-skipped", "precedence"],
)
def test_sender_lookup_keys(sender, keys):
    assert sender.lookup_keys() == keys


@pytest.mark.parametrize(
    ("domain", "generic"),
    [
        ("gmail.com", True),
        ("GMAIL.COM", True),
        ("outlook.de", True),
        ("yahoo.co.jp", True),
        ("proton.me", True),
        ("web.de", True),
        ("northwind.example", False),
        ("mail.yahoo.corp.example", False),
        ("gmail-tools.example", False),
    ],
    ids=[
        "gmail",
        "upper",
        "outlook-regional",
        "yahoo-jp",
        "proton",
        "web-de",
        "company",
        "deep-subdomain",
        "brandlike",
    ],
)
def test_generic_mail_domains(domain, generic):
    assert generic_mail_domain(domain) is generic


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("done", "total", "text"),
    [
        (0, 1000, "[..........] 0/1,000 rows"),
        (512, 1000, "[#####.....] 512/1,000 rows"),
        (3, 3, "[##########] 3/3 rows"),
    ],
    ids=["start", "half", "done"],
)
def test_progress_bar_text(done, total, text):
    assert ProgressBar(total, io.StringIO(), width=10).render(done) == text


def test_progress_bar_draws_only_on_a_terminal():
    pipe, tty = io.StringIO(), Tty()
    for stream in (pipe, tty):
        bar = ProgressBar(2, stream, width=4)
        bar.update(1)
        bar.close()
    assert pipe.getvalue() == ""
    assert tty.getvalue().startswith("\r[##..] 1/2 rows\r")
    assert tty.getvalue().endswith("\r")


def test_dry_run_validates_without_aws(tmp_path, capsys, monkeypatch):
    # GIVEN no table configured at all, and a file with one bad row
    monkeypatch.delenv("CUSTOMERS_TABLE", raising=False)
    path = write(tmp_path, HEADER, GOOD, "c2,Bad,,b@b.example,,,,,,,Mars/Base")
    # WHEN it is dry-run  THEN the error is reported, the summary says nothing was written, exit 1
    assert main(["customers", "import", "--dry-run", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err == f"{path}:3: timezone: unknown time zone 'Mars/Base' (IANA names, e.g. Europe/Berlin)\n"
    assert out == f"{path}: 2 rows, 1 valid, 1 failed (see above); dry run, nothing written\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["customers", "import", "missing.csv"], "missing.csv: no such file"),
        (["customers", "import", "."], ".: is a directory"),
    ],
    ids=["missing-file", "directory"],
)
def test_user_errors_are_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"switchboard customers import: error: {message}" + err.split(message, 1)[1]
    assert "Traceback" not in err and err.count("\n") == 1


def test_no_table_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CUSTOMERS_TABLE", raising=False)
    assert main(["customers", "import", str(write(tmp_path, HEADER, GOOD))]) == 2
    assert "which table? pass --table NAME, --stage STAGE or --local, or set CUSTOMERS_TABLE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("import", "AWS_ENDPOINT_URL=http://127.0.0.1:5001 CUSTOMERS_TABLE=switchboard-local-customers"),
        ("show", "x:@dana_northwind"),
    ],
    ids=["import", "show"],
)
def test_help_shows_examples(capsys, command, expected):
    with pytest.raises(SystemExit) as exited:
        main(["customers", command, "--help"])
    assert exited.value.code == 0
    assert expected in capsys.readouterr().out
