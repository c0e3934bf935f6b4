"""`switchboard`: one entry point; each area registers its own subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import console, customers, incident, pager, rules, tickets, versions


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="switchboard",
        description="Operate Switchboard: test and explain the routing rules, manage the customers, show a ticket, run incidents, subscribe the pager, prune old Lambda versions.",
    )
    areas = top.add_subparsers(
        dest="area", metavar="{rules,customers,tickets,incident,pager,console,versions}", required=True
    )
    rules.register(areas)
    customers.register(areas)
    tickets.register(areas)
    incident.register(areas)
    pager.register(areas)
    console.register(areas)
    versions.register(areas)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except BrokenPipeError:
        # `switchboard rules diff … | head`: the reader has all it wants
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
