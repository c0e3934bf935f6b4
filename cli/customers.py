"""`switchboard customers`: import the customer directory from CSV, and show whom a key finds."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.aws import CliError, dynamodb_table, table_options
from cli.customer_csv import COLUMNS, CsvFileError, read_customers
from cli.progress import ProgressBar

if TYPE_CHECKING:
    from chalicelib.adapters.customers_table import DirectoryEntry, DynamoCustomerDirectory

#: customers per put_many call: the progress bar moves in steps of this many rows
IMPORT_CHUNK = 100

_EXIT_CODES = """exit status:
  0  everything was imported (or, with --dry-run, every row is valid)
  1  some rows failed (the valid rows were still imported), or `show` found nobody
  2  the file, the table or AWS could not be used; nothing or only part was written
"""

_TABLE_HELP = """which table:
  --table NAME, else --stage STAGE (table switchboard-STAGE-customers), else --local, else $CUSTOMERS_TABLE.
  The endpoint is $AWS_ENDPOINT_URL when set (a moto server), else AWS; --local means both at once:
  AWS_ENDPOINT_URL=http://127.0.0.1:5001 CUSTOMERS_TABLE=switchboard-local-customers
"""

IMPORT_EPILOG = f"""CSV columns (header line first; order free; only customer_id and name required):
  {",".join(COLUMNS)}
  handles and flags hold several values separated by ";", e.g. x:@dana_w;meta:1029384756
  handles are <network>:<handle> (networks: meta, slack, x); phone is E.164 (+12125550100; spaces allowed);
  domain is the account's own email domain (never gmail.com and the like); plan and flags are lower-cased;
  timezone is an IANA name (Europe/Berlin), UTC when empty; an empty cell means "not known".

Importing is idempotent: rows that did not change are not written, and a customer whose email, phone,
handle or domain changed stops being found under the old one.

examples:
  # against `make run` (moto on 127.0.0.1:5001):
  AWS_ENDPOINT_URL=http://127.0.0.1:5001 CUSTOMERS_TABLE=switchboard-local-customers \\
      switchboard customers import events/customers.csv
  switchboard customers import --local events/customers.csv     # the same
  switchboard customers import --dry-run customers.csv          # check a file, write nothing
  switchboard customers import --stage prod customers.csv       # AWS, your default credentials

{_TABLE_HELP}
{_EXIT_CODES}"""

SHOW_EPILOG = f"""KEY is what a message could carry, or a customer id:
  dana@northwind.example    an email (exact address first; its domain is NOT tried: name the domain for that)
  +12125550100              a phone number
  x:@dana_northwind         a handle, <network>:<handle>
  northwind.example         an account domain
  cus_northwind             a customer id

examples:
  switchboard customers show --local dana@northwind.example
  switchboard customers show --local northwind.example

{_TABLE_HELP}
{_EXIT_CODES}"""


def register(areas: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    area = areas.add_parser(
        "customers",
        help="import the customer directory from CSV; show whom a key finds",
        description="The customer directory: who a sender is, and what they are worth to us.",
    )
    commands = area.add_subparsers(dest="command", metavar="{import,show}", required=True)
    formatter = argparse.RawDescriptionHelpFormatter

    imp = commands.add_parser(
        "import",
        help="import customers from a CSV file (idempotent)",
        description="Validate every row of FILE.csv and upsert the valid ones into the customers table.",
        epilog=IMPORT_EPILOG,
        formatter_class=formatter,
    )
    imp.add_argument("file", metavar="FILE.csv", type=Path, help="the customers CSV file")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing (no AWS needed)")
    table_options(imp, "customers", "CUSTOMERS_TABLE")
    imp.set_defaults(run=run_import)

    show = commands.add_parser(
        "show",
        help="show the customer an email, phone, handle, domain or customer id finds",
        description="Print the customer stored under KEY, and how they were matched.",
        epilog=SHOW_EPILOG,
        formatter_class=formatter,
    )
    show.add_argument("key", metavar="KEY", help="email, +phone, network:handle, domain or customer id")
    table_options(show, "customers", "CUSTOMERS_TABLE")
    show.set_defaults(run=run_show)


def directory_for(args: argparse.Namespace) -> DynamoCustomerDirectory:
    from chalicelib.adapters.customers_table import DynamoCustomerDirectory

    client, table = dynamodb_table(args, "customers", "CUSTOMERS_TABLE")
    return DynamoCustomerDirectory(client, table)


def _fail(command: str, message: str) -> int:
    print(f"switchboard customers {command}: error: {message}", file=sys.stderr)
    return 2


def run_import(args: argparse.Namespace) -> int:
    from chalicelib.adapters.customers_table import PutResult, chunks
    from chalicelib.errors import SwitchboardError

    path: Path = args.file
    try:
        parsed = read_customers(path)
    except CsvFileError as exc:
        return _fail("import", str(exc))
    for error in parsed.errors:
        print(error.format(path), file=sys.stderr)
    failed = f", {parsed.failed_rows:,} failed (see above)" if parsed.errors else ""
    if args.dry_run or not parsed.customers:
        verdict = "dry run, nothing written" if args.dry_run else "nothing imported"
        print(f"{path}: {parsed.rows:,} rows, {len(parsed.customers):,} valid{failed}; {verdict}")
        return 1 if parsed.errors else 0
    result, done, total = PutResult(), 0, len(parsed.customers)
    bar = ProgressBar(total, sys.stderr)
    try:
        directory = directory_for(args)
        bar.update(0)
        for chunk in chunks(parsed.customers, IMPORT_CHUNK):
            result.add(directory.put_many([customer for _, customer in chunk]))
            done += len(chunk)
            bar.update(done)
    except (CliError, SwitchboardError) as exc:
        bar.close()
        written = f" ({done:,} of {total:,} customers were stored before it; importing again is safe)" if done else ""
        return _fail("import", f"{exc}{written}")
    bar.close()
    lines = {customer.customer_id: line for line, customer in parsed.customers}
    for key, previous, now in result.moved_keys:
        print(
            f"{path}:{lines[now]}: note: {key} found {previous} until now; it finds {now} from now on", file=sys.stderr
        )
    counts = f"{result.created:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged"
    failed = f"; {parsed.failed_rows:,} failed (see above)" if parsed.errors else ""
    print(f"{path}: imported {total:,} of {parsed.rows:,} rows into {directory.table} ({counts}){failed}")
    return 1 if parsed.errors else 0


def lookup_key(text: str) -> str:
    """The table key a person means by ``text``: an email, +phone, network:handle, domain or customer id."""
    from chalicelib.adapters.customers_table import record_key
    from chalicelib.model.directory import domain_key, email_key, handle_key, phone_key

    text = text.strip()
    if re.match(r"^(email|phone|handle|domain|customer)#.", text):
        return text  # already a table key, as `show` prints them
    if re.match(r"^[A-Za-z][\w-]*:.", text) and (key := handle_key(text)):
        return key
    if text.startswith("+"):
        return phone_key(re.sub(r"[\s().-]", "", text))
    if "@" in text:
        return email_key(text)
    if "." in text:
        return domain_key(text)
    return record_key(text)


def _money(amount: float) -> str:
    return f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"


def describe(entry: DirectoryEntry) -> str:
    c = entry.customer
    how = f"{c.matched_by} ({entry.key})" if c.matched_by else f"customer id ({entry.key})"
    if c.matched_by == "domain":
        how += f": anyone at {c.domain} belongs to this account"
    rows = [
        ("customer", c.customer_id),
        ("matched by", how),
        ("plan", c.plan),
        ("MRR", _money(c.mrr)),
        ("LTV", _money(c.ltv)),
        ("flags", ", ".join(c.flags) or "—"),
        ("timezone", c.timezone),
        ("email", c.email or "—"),
        ("phone", c.phone or "—"),
        ("handles", ", ".join(c.handles) or "—"),
        ("domain", c.domain or "—"),
        ("keys", ("\n" + " " * 14).join(entry.keys) or "—"),
    ]
    return "\n".join([c.name, *(f"  {label:<11} {value}" for label, value in rows)])


def run_show(args: argparse.Namespace) -> int:
    from chalicelib.adapters.customers_table import record_key
    from chalicelib.errors import SwitchboardError

    key = lookup_key(args.key)
    try:
        directory = directory_for(args)
        entry = directory.get(key)
        if entry is None and not key.startswith("customer#"):
            entry = directory.get(record_key(args.key.strip()))  # "acme.io" may be a customer id after all
    except (CliError, SwitchboardError) as exc:
        return _fail("show", str(exc))
    if entry is None:
        print(f"switchboard customers show: no customer under {key} in {directory.table}", file=sys.stderr)
        return 1
    print(describe(entry))
    return 0
