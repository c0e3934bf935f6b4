"""Read a customers CSV into validated Customers, with every problem as FILE:LINE: column: message. No AWS."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from chalicelib.model.customer import Customer
from chalicelib.model.directory import customer_keys, customer_problems, kind_of

COLUMNS = ("customer_id", "name", "plan", "email", "phone", "handles", "domain", "mrr", "ltv", "flags", "timezone")
REQUIRED = ("customer_id", "name")
#: the column a lookup key comes from, to point at it when two rows claim the same key
_KEY_COLUMN = {"email": "email", "phone": "phone", "handle": "handles", "domain": "domain"}
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")
#: "18,000" as spreadsheets export amounts; a lone comma ("4,5") is left alone and rejected
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


class CsvFileError(Exception):
    """The file as a whole cannot be read (missing, not UTF-8, bad header): nothing is imported."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def format(self, path: Path | str) -> str:
        return f"{path}:{self.line}: {self.column}: {self.message}"


@dataclass
class CustomerFile:
    path: Path
    #: (physical line the row starts on, customer)
    customers: list[tuple[int, Customer]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    @property
    def failed_rows(self) -> int:
        return len({e.line for e in self.errors})


def _friendly(error: ErrorDetails, cells: dict[str, str]) -> str:
    """Pydantic's message, said the way a person fixing a spreadsheet needs it, quoting the cell as written."""
    column = str(error["loc"][0]) if error["loc"] else ""
    kind, value = error["type"], cells.get(column) or error.get("input")
    if column == "phone" and kind == "string_pattern_mismatch":
        return f"not an E.164 phone number: {value!r} (write + then country code and number, e.g. +12125550100)"
    if kind == "missing":
        return "is empty; every row needs one"
    if kind == "float_parsing":
        return f"not a number: {value!r} (plain digits, e.g. 4800 or 99.50)"
    if kind == "greater_than_equal":
        return f"must be 0 or more, not {value}"
    if kind in ("string_too_long", "string_too_short"):
        return f"{error['msg'].lower()}: {value!r}"
    return f"{error['msg']}: {value!r}"


def _split(cell: str, lower: bool = False) -> tuple[str, ...]:
    parts = (p.strip() for p in cell.split(";"))
    return tuple(p.lower() if lower else p for p in parts if p)


def customer_from_row(row: dict[str, str], line: int) -> Customer | list[RowError]:
    """One row to a Customer, normalised the way people write spreadsheets; or everything wrong with it."""
    cells = {name: value.strip() for name, value in row.items()}
    data: dict[str, Any] = {"customer_id": cells.get("customer_id") or None, "name": cells.get("name") or None}
    if cells.get("plan"):
        data["plan"] = cells["plan"].lower()
    if cells.get("email"):
        data["email"] = cells["email"]
    if cells.get("phone"):
        data["phone"] = _PHONE_PUNCTUATION.sub("", cells["phone"])
    if cells.get("handles"):
        data["handles"] = _split(cells["handles"])
    if cells.get("domain"):
        data["domain"] = cells["domain"].lower().lstrip("@")
    for number in ("mrr", "ltv"):
        if value := cells.get(number):
            data[number] = value.replace(",", "") if _THOUSANDS.match(value) else value
    if cells.get("flags"):
        data["flags"] = _split(cells["flags"], lower=True)
    if cells.get("timezone"):
        data["timezone"] = cells["timezone"]
    try:
        customer = Customer.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        return [RowError(line, str(e["loc"][0]) if e["loc"] else "row", _friendly(e, cells)) for e in exc.errors()]
    problems = [RowError(line, column, message) for column, message in customer_problems(customer)]
    return problems or customer


def _check_header(path: Path, header: list[str] | None) -> list[str]:
    expected = f"expected columns: {','.join(COLUMNS)} ({' and '.join(REQUIRED)} required)"
    if not header:
        raise CsvFileError(f"{path}:1: header: the file is empty; {expected}")
    names = [h.strip().lower() for h in header]
    problems: list[str] = []
    for name in names:
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1)
            problems.append(f"unknown column {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    problems += [f"column {name!r} appears twice" for name in dict.fromkeys(n for n in names if names.count(n) > 1)]
    problems += [f"missing column {name!r}" for name in REQUIRED if name not in names]
    if problems:
        raise CsvFileError(f"{path}:1: header: {'; '.join(problems)}; {expected}")
    return names


def read_customers(path: Path) -> CustomerFile:
    """Every valid row and every row error; raises CsvFileError when the file itself is unusable."""
    result = CustomerFile(path)
    ids: dict[str, int] = {}
    keys: dict[str, tuple[str, int]] = {}
    try:
        # utf-8-sig: spreadsheet programs often start a "CSV UTF-8" file with a byte-order mark
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            names = _check_header(path, next(reader, None))
            end = reader.line_num
            for cells in reader:
                line, end = end + 1, reader.line_num  # a quoted cell may span lines: report where the row starts
                if not any(c.strip() for c in cells):
                    continue
                result.rows += 1
                if len(cells) != len(names):
                    message = f"{len(cells)} cells, but the header has {len(names)} columns"
                    hint = " (a value with a comma needs double quotes)" if len(cells) > len(names) else ""
                    result.errors.append(RowError(line, "row", message + hint))
                    continue
                parsed = customer_from_row(dict(zip(names, cells, strict=True)), line)
                if isinstance(parsed, list):
                    result.errors.extend(parsed)
                    continue
                if (first := ids.get(parsed.customer_id)) is not None:
                    message = f"duplicate customer_id {parsed.customer_id!r} (first on line {first}); row skipped"
                    result.errors.append(RowError(line, "customer_id", message))
                    continue
                clashes = [(key, keys[key]) for key in customer_keys(parsed) if key in keys]
                for key, (owner, owner_line) in clashes:
                    kind = kind_of(key) or "key"
                    value = key.partition("#")[2]
                    message = f"{value} is already {owner}'s {kind} (line {owner_line}); one {kind} finds one customer"
                    result.errors.append(RowError(line, _KEY_COLUMN.get(kind, kind), message))
                if clashes:
                    continue
                ids[parsed.customer_id] = line
                keys.update((key, (parsed.customer_id, line)) for key in customer_keys(parsed))
                result.customers.append((line, parsed))
    except FileNotFoundError:
        raise CsvFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CsvFileError(f"{path}: is a directory, not a CSV file") from None
    except PermissionError:
        raise CsvFileError(f"{path}: permission denied") from None
    except UnicodeDecodeError as exc:
        raise CsvFileError(f"{path}: not UTF-8 text ({exc.reason}); save it as “CSV UTF-8”") from None
    except csv.Error as exc:
        raise CsvFileError(f"{path}:{reader.line_num}: not a readable CSV file: {exc}") from None
    return result
