"""The ``okrlib`` command line: a thin argparse layer over the Python API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .exceptions import OkrlibError


def _check(args: argparse.Namespace) -> int:
    from .load import load_workbook

    workbook = load_workbook(args.data)
    print(workbook.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; every option is declared once, with its help."""
    parser = argparse.ArgumentParser(prog="okrlib", description="OKR and KPI analytics workbook.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate a data folder and print its summary")
    check.add_argument(
        "--data", default="data", metavar="DIR", help="the data folder (default: data)"
    )
    check.set_defaults(run=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except OkrlibError as error:
        print(f"okrlib {args.command}: error: {error}", file=sys.stderr)
        return 1
