"""Package size bench: grouping by top-level entry, and the hint when the zip is missing."""

from __future__ import annotations

import zipfile
from pathlib import Path

from bench import package_size


def test_missing_zip_says_how_to_build_it(tmp_path: Path) -> None:
    missing = tmp_path / "deployment.zip"

    assert package_size.measure(missing) is None
    assert "make package" in package_size.format_report(None, missing)


def test_entries_are_grouped_by_top_level_name_and_strays_are_named(tmp_path: Path) -> None:
    zip_path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("app.py", "x = 1\n")
        zf.writestr("chalicelib/a.py", "a" * 1000)
        zf.writestr("chalicelib/b.py", "b" * 1000)
        zf.writestr("botocore/__init__.py", "")

    result = package_size.measure(zip_path)

    assert result is not None
    assert {e.name: e.files for e in result.entries} == {"app.py": 1, "chalicelib": 2, "botocore": 1}
    assert result.entries[0].name == "chalicelib"
    assert result.unexpected == ("botocore",)
    assert result.verdict == "PASS"
    assert "botocore" in package_size.format_report(result, zip_path)
