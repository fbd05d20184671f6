"""The ``okrlib`` command line: a thin argparse layer over the Python API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .exceptions import OkrlibError


def _check(args: argparse.Namespace) -> int:
    from .loading.load import load_workbook

    workbook = load_workbook(args.data)
    print(workbook.summary())
    return 0


def _report(args: argparse.Namespace) -> int:
    from .reporting.report import NOTEBOOK, render_quarter

    teams = None if args.all_teams else [args.team]
    done = render_quarter(
        data_dir=args.data,
        quarter=args.quarter,
        teams=teams,
        out_dir=args.out,
        as_of=args.as_of,
        since=args.since,
        jobs=args.jobs,
        notebook=args.notebook or NOTEBOOK,
        on_done=lambda report: print(f"rendered {report.html}", flush=True),
    )
    if done:
        print(f"{len(done)} report(s) and index.html in {done[0].html.parent}")
    return 0


def _lint(args: argparse.Namespace) -> int:
    import json

    from .analysis.lint import COLUMNS, lint
    from .loading.load import load_workbook
    from .model import format_quarter

    findings = lint(load_workbook(args.data), args.quarter)
    if args.format == "json":
        records = findings.assign(
            quarter=findings["quarter"].map(lambda q: None if q is None else format_quarter(q))
        )
        print(json.dumps(records[COLUMNS].to_dict(orient="records"), indent=1))
    elif findings.empty:
        print("no findings")
    else:
        shown = findings.assign(
            about=findings["kr_id"].fillna(findings["objective_id"]).fillna(findings["kpi_id"]).fillna(""),
            quarter=findings["quarter"].map(lambda q: "" if q is None else format_quarter(q)),
            team=findings["team"].fillna(""),
        )
        print(
            shown[["rule", "severity", "quarter", "team", "about", "message", "fix"]].to_string(index=False)
        )
        counts = findings["severity"].value_counts()
        print(", ".join(f"{counts.get(s, 0)} {s}(s)" for s in ("error", "warning", "info")))
    return 1 if (findings["severity"] == "error").any() else 0


def _init(args: argparse.Namespace) -> int:
    from .loading.scaffold import init_data_folder

    for path in init_data_folder(args.folder, args.quarter):
        print(f"wrote {path}")
    print(f"next: fill them in, then run: okrlib check --data {args.folder}")
    return 0


def _meeting(args: argparse.Namespace) -> int:
    from .reporting.serve import serve

    return serve(args.data, args.quarter, args.team, args.port, args.out)


DATA_HELP = "the data folder, an .xlsx workbook, or an okrlib.toml source file (default: data)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; every option is declared once, with its help."""
    parser = argparse.ArgumentParser(prog="okrlib", description="OKR and KPI analytics workbook.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate a data folder and print its summary")
    check.add_argument("--data", default="data", metavar="DIR", help=DATA_HELP)
    check.set_defaults(run=_check)

    report = commands.add_parser(
        "report",
        help="render quarterly reviews to offline HTML",
        description="Render the quarterly review of the company (default), one team or every team "
        "into OUT/<quarter>/<team>.html with an index.html.",
    )
    report.add_argument(
        "--quarter",
        metavar="Q",
        help="the quarter, e.g. 2026-Q3 (default: the latest quarter with OKRs)",
    )
    who = report.add_mutually_exclusive_group()
    who.add_argument("--team", metavar="NAME", help="one team's review (default: the company's)")
    who.add_argument("--all-teams", action="store_true", help="the company's and every team's review")
    report.add_argument("--data", default="data", metavar="DIR", help=DATA_HELP)
    report.add_argument(
        "--out", default="reports", metavar="DIR", help="the output folder (default: reports)"
    )
    report.add_argument(
        "--as-of",
        metavar="DATE",
        help="YYYY-MM-DD (default: the earlier of the quarter end and the latest date in the data)",
    )
    report.add_argument(
        "--since",
        metavar="DATE",
        help="the previous review's date, YYYY-MM-DD, for what changed (default: 14 days before --as-of)",
    )
    report.add_argument(
        "--jobs", type=int, metavar="N", help="parallel renders (default: the number of cores)"
    )
    report.add_argument("--notebook", metavar="PATH", help="the review notebook (default: okrlib's own)")
    report.set_defaults(run=_report)

    lint = commands.add_parser("lint", help="check how the OKRs are written (exit 1 on any error)")
    lint.add_argument("--data", default="data", metavar="DIR", help=DATA_HELP)
    lint.add_argument("--quarter", metavar="Q", help="one quarter, e.g. 2026-Q4 (default: every quarter)")
    lint.add_argument(
        "--format", choices=["table", "json"], default="table", help="output format (default: table)"
    )
    lint.set_defaults(run=_lint)

    init = commands.add_parser(
        "init",
        help="start a data folder: the four files with headers and one example row each",
        description="Write kpis.csv, kpi_history.csv, okrs.csv and checkins.csv into DIR (created "
        "when missing), each with the contract's header and one example row. Refuses, writing "
        "nothing, when any of them already exists.",
    )
    init.add_argument("folder", metavar="DIR", help="the new data folder")
    init.add_argument(
        "--quarter", metavar="Q", help="the example's quarter, e.g. 2026-Q3 (default: today's quarter)"
    )
    init.set_defaults(run=_init)

    meeting = commands.add_parser(
        "meeting",
        help="serve the review meeting (Voila) on 127.0.0.1 until Ctrl-C",
        description="Serve the review-meeting agenda, code hidden, on 127.0.0.1 and print its "
        "address; Ctrl-C stops the server and its kernel. Exports go to OUT/<quarter>/.",
    )
    meeting.add_argument("--data", default="data", metavar="DIR", help=DATA_HELP)
    meeting.add_argument("--quarter", metavar="Q", help="the quarter shown first (default: the latest)")
    meeting.add_argument("--team", metavar="NAME", help="the team shown first (default: the company)")
    meeting.add_argument("--port", type=int, metavar="N", help="the port (default: a free one)")
    meeting.add_argument("--out", default="reports", metavar="DIR", help="exports' folder (default: reports)")
    meeting.set_defaults(run=_meeting)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except OkrlibError as error:
        print(f"okrlib {args.command}: error: {error}", file=sys.stderr)
        return 1
