"""Package size: build/<stage>/deployment.zip against its budget, and what takes the room."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ZIP = PROJECT_ROOT / "build" / "dev" / "deployment.zip"
MB = 1_000_000  # decimal, the stricter reading of "5 MB"
BUDGET_BYTES = 5 * MB
TOP_ENTRIES = 8
# The Lambda runtime provides boto3, and dev tools stay out of the package (ARCHITECTURE.md);
# aws_xray_sdk arrives only with Powertools Tracer, which we keep out for cold start.
UNEXPECTED = ("boto3", "botocore", "s3transfer", "aws_xray_sdk", "moto", "local", "bench", "tests")


@dataclass(frozen=True)
class Entry:
    """One top-level name in the zip (a package, a module or a dist-info folder)."""

    name: str
    compressed_bytes: int
    uncompressed_bytes: int
    files: int


@dataclass(frozen=True)
class PackageSizeResult:
    path: Path
    zip_bytes: int
    uncompressed_bytes: int
    files: int
    entries: tuple[Entry, ...]  # largest compressed first
    unexpected: tuple[str, ...]
    budget_bytes: int = BUDGET_BYTES

    @property
    def verdict(self) -> str:
        return "PASS" if self.zip_bytes <= self.budget_bytes else "OVER"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "zip_bytes": self.zip_bytes,
            "zip_mb": round(self.zip_bytes / MB, 3),
            "uncompressed_bytes": self.uncompressed_bytes,
            "files": self.files,
            "budget_bytes": self.budget_bytes,
            "verdict": self.verdict,
            "unexpected": list(self.unexpected),
            "largest_entries": [
                {
                    "name": e.name,
                    "compressed_bytes": e.compressed_bytes,
                    "uncompressed_bytes": e.uncompressed_bytes,
                    "files": e.files,
                }
                for e in self.entries[:TOP_ENTRIES]
            ],
        }


def measure(path: Path = DEFAULT_ZIP) -> PackageSizeResult | None:
    """Sizes of the zip and of each top-level entry; None when the zip has not been built."""
    if not path.is_file():
        return None
    compressed: defaultdict[str, int] = defaultdict(int)
    uncompressed: defaultdict[str, int] = defaultdict(int)
    files: defaultdict[str, int] = defaultdict(int)
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            top = info.filename.split("/", 1)[0]
            compressed[top] += info.compress_size
            uncompressed[top] += info.file_size
            files[top] += 1
    entries = sorted(
        (Entry(name, compressed[name], uncompressed[name], files[name]) for name in compressed),
        key=lambda e: (-e.compressed_bytes, e.name),
    )
    return PackageSizeResult(
        path=path,
        zip_bytes=path.stat().st_size,
        uncompressed_bytes=sum(uncompressed.values()),
        files=sum(files.values()),
        entries=tuple(entries),
        unexpected=tuple(sorted(name for name in compressed if name.removesuffix(".py") in UNEXPECTED)),
    )


def format_report(result: PackageSizeResult | None, path: Path = DEFAULT_ZIP) -> str:
    if result is None:
        return f"Package size\n  {_shown(path)} not found: run `make package` first (or `make bench`, which does)."
    lines = [
        f"Package size – {_shown(result.path)}",
        f"  {result.zip_bytes / MB:.2f} MB zipped, {result.uncompressed_bytes / MB:.2f} MB unzipped, "
        f"{result.files} files",
        f"  budget: ≤ {result.budget_bytes / MB:.0f} MB zipped  {result.verdict} "
        f"({_amount(abs(result.budget_bytes - result.zip_bytes))} {'to spare' if result.verdict == 'PASS' else 'over'})",
        "  largest top-level entries (compressed):",
    ]
    for entry in result.entries[:TOP_ENTRIES]:
        share = entry.compressed_bytes / result.zip_bytes
        lines.append(
            f"    {entry.name:<36} {entry.compressed_bytes / MB:6.2f} MB  {share:4.0%}  "
            f"({entry.uncompressed_bytes / MB:.2f} MB unzipped, {entry.files} files)"
        )
    if result.unexpected:
        lines.append(f"  not expected in the Lambda package: {', '.join(result.unexpected)}")
    return "\n".join(lines)


def _amount(size: int) -> str:
    # a margin of 22 kB would read as "0.02 MB", which hides how close it is
    return f"{size / MB:.2f} MB" if size >= MB // 10 else f"{size / 1000:.0f} kB"


def _shown(path: Path) -> str:
    # relative to the project when it can be, so the report reads the same on every machine
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
