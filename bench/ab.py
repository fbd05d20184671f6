"""Issue 20's with-and-without measurement of okrlib's performance tricks, in one run.

    python bench/ab.py [--group load,excel,report] [--pairs N] [--only VARIANT,...]

Method (docs/performance.md, "Measured with and without"):

- Every variant is a copy of ``okrlib/`` in a scratch folder with one trick taken out by a
  source patch (``VARIANTS`` below: file, the text as it is, the text without the trick;
  each patch must match exactly once, so a stale patch fails loudly).  ``base`` is an
  unpatched copy; ``base-aa`` a second unpatched copy, the A/A control of the method.
- Each measurement runs in a fresh process (``python bench/ab.py --child ...``) with
  ``PYTHONPATH`` set to its copy, which comes before the editable install (a report's kernel
  inherits the environment, so it imports the same copy; the child checks ``okrlib.__file__``).
- Pairs: in every round each variant runs once beside ``base``, the order alternating from
  round to round (``base`` first in even rounds), all variants of a group taking turns, so
  that both sides of a pair see the same spells of a shared machine.  The figure is the
  median over the pairs of *without / with* (variant / base) of the wall time, with the
  range, and the same for the CPU seconds of the child and the children it reaped
  (a report's kernel) and for the child's peak resident memory (VmHWM; not the kernel's).
- Groups and what they time (the bench rows of bench/run.py):
  ``load``: ``load_kpi_history`` of row 1's 10,000,000-row CSV (written once, seeded as
  row 1 writes it); ``parquet``: the same variants on the same rows as row 1's Parquet
  file; ``excel``: ``load_workbook("data/sample.xlsx")``; ``report``: row 4's
  ``report.render_report(data, "2026-Q3", "Sales", out)``.
- Report children get ``IPYTHONDIR`` in the scratch folder (the same for every variant), so
  the input-history variant writes no user's ``history.sqlite``.

Prints one line per pair and a table at the end.  Nothing here changes okrlib itself.

The variants ``threads``, ``stop-thread`` and ``optimistic`` take out code that main removed
in 889abce after this measurement: run them on a checkout of f0b7ceb or earlier (on later
code their patches match nothing and the driver stops with a message).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path(tempfile.gettempdir()) / "okrlib-ab"

# name: (group, what the trick is, [(file under okrlib/, with the trick, without it), ...])
VARIANTS: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "threads": (
        "load",
        "columns parsed on threads from PARALLEL_ROWS rows (without: always one thread)",
        [("loading/_columns.py", "PARALLEL_ROWS = 100_000", "PARALLEL_ROWS = 10**18")],
    ),
    "distinct": (
        "load",
        "repeating text columns read dictionary-encoded and parsed once per distinct value "
        "(without: read as plain text, parsed row by row, keys factorised)",
        [
            (
                "loading/_read.py",
                "return {c.name for c in spec.columns if c.kind in REPEATING_KINDS}",
                "return set()",
            )
        ],
    ),
    "plain-numbers": (
        "load",
        "comma CSVs' plain number columns parsed by the Arrow reader (without: read as text)",
        [
            (
                "loading/_read.py",
                'dict.fromkeys(numbers if delimiter == "," else [], pa.float64())',
                "dict.fromkeys([], pa.float64())",
            )
        ],
    ),
    "dense-keys": (
        "load",
        "duplicate-key check with one flag per possible key (without: pandas duplicated on codes)",
        [("loading/_keys.py", "DENSE_KEY_LIMIT = 1 << 27", "DENSE_KEY_LIMIT = -1")],
    ),
    "xlsx-openpyxl": (
        "excel",
        "cell values by python-calamine (without: openpyxl read_only, values only)",
        [
            (
                "loading/_excel.py",
                "rows = _cells(file, sheet)",
                "import openpyxl; _ws = openpyxl.load_workbook(file, read_only=True, data_only=True)"
                "[sheet_name]; rows = [['' if v is None else v for v in r] for r in "
                "_ws.iter_rows(min_row=1, min_col=1, values_only=True)]; "
                "_w = max(map(len, rows), default=0); rows = [r + [''] * (_w - len(r)) for r in rows]",
            )
        ],
    ),
    "xlsx-walk": (
        "excel",
        "the sheet's XML walked only when a substring test finds a possible trap (without: always walked)",
        [("loading/_excel.py", "if not _may_hold_special_cells(data, percent_styles):", "if False:")],
    ),
    "save-cells": (
        "report",
        "papermill does not save the notebook after every cell (without: it does)",
        [
            (
                "reporting/report.py",
                "request_save_on_cell_execute=False,",
                "request_save_on_cell_execute=True,",
            )
        ],
    ),
    "stop-thread": (
        "report",
        "a lone render's kernel killed on a thread while the notebook is written and converted "
        "(without: the kill waited for)",
        [("reporting/_kernels.py", "okrlib_kernel.stop(wait=False)", "okrlib_kernel.stop(wait=True)")],
    ),
    "optimistic": (
        "report",
        "nbconvert validates once after its preprocessors (without: optimistic_validation off)",
        [("reporting/_page.py", "optimistic_validation=True,", "optimistic_validation=False,")],
    ),
    "vega-cache": (
        "report",
        "the vega bundle cached in the temporary folder (without: built in every process)",
        [("reporting/_page.py", "    if cache.is_file():\n", "    if False:\n")],
    ),
    "no-history": (
        "report",
        "report kernels keep no input history (without: IPython's history database on)",
        [
            (
                "reporting/_kernels.py",
                'NO_HISTORY = "--HistoryManager.enabled=False"',
                'NO_HISTORY = "--HistoryManager.enabled=True"',
            )
        ],
    ),
}
AA = "base-aa"
GROUPS = {"parquet": "load"}  # the parquet group runs the load group's variants on row 1's Parquet file


def make_copy(name: str, patches: list[tuple[str, str, str]]) -> Path:
    """A copy of okrlib/ under SCRATCH/<name>/ with ``patches`` applied; its folder."""
    folder = SCRATCH / "copies" / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "okrlib", folder / "okrlib", ignore=shutil.ignore_patterns("__pycache__"))
    for file, old, new in patches:
        path = folder / "okrlib" / file
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{name}: {old!r} occurs {text.count(old)} times in {file}, not once")
        path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def history_csv() -> str:
    """Row 1's 10,000,000-row CSV, written once (seeded, as bench/run.py writes it)."""
    folder = SCRATCH / "history"
    csv = folder / "kpi_history.csv"
    if not csv.is_file():
        sys.path.insert(0, str(ROOT / "bench"))
        import run

        shutil.rmtree(folder, ignore_errors=True)
        written = run.write_history(folder, run.FULL)
        assert (written / "kpi_history.csv") == csv, written
    return str(csv)


# --- the child: one measurement in a fresh process -------------------------------------------


def child(group: str, argument: str, copy: str) -> None:
    import okrlib

    assert Path(okrlib.__file__).resolve().is_relative_to(Path(copy).resolve()), okrlib.__file__
    import resource

    def cpu_seconds() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    cpu0, start = cpu_seconds(), time.perf_counter()
    if group in ("load", "parquet"):
        okrlib.load_kpi_history(argument)
    elif group == "excel":
        okrlib.load_workbook(argument)
    else:
        from okrlib.reporting import report

        report.render_report(str(ROOT / "data"), "2026-Q3", "Sales", argument)
    wall = time.perf_counter() - start
    cpu = cpu_seconds() - cpu0
    with open("/proc/self/status") as status:  # VmHWM: this process's peak resident memory
        peak = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak}))


def measure(group: str, argument: str, copy: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(copy), IPYTHONDIR=str(SCRATCH / "ipython"))
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", group, argument, str(copy)],
        env=env,
        cwd=SCRATCH,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"child {copy.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--group", default="load,excel,report", help="comma-separated: load, parquet, excel, report"
    )
    parser.add_argument("--pairs", type=int, default=8, help="pairs per variant (default 8)")
    parser.add_argument("--only", default="", help="comma-separated variant names (default: the groups')")
    parser.add_argument("--child", nargs=3, metavar=("GROUP", "ARGUMENT", "COPY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    groups = args.group.split(",")
    names = (
        args.only.split(",")
        if args.only
        else [n for n, v in VARIANTS.items() if v[0] in {GROUPS.get(g, g) for g in groups}]
    )
    SCRATCH.mkdir(exist_ok=True)
    (SCRATCH / "ipython").mkdir(exist_ok=True)
    base = make_copy("base", [])
    copies = {name: make_copy(name, VARIANTS[name][2]) for name in names}
    for group in groups:
        members = [name for name in names if VARIANTS[name][0] == GROUPS.get(group, group)]
        if not members:
            continue
        members.append(AA)
        copies[AA] = make_copy(AA, [])
        argument = {
            "load": history_csv,
            "parquet": lambda: str(Path(history_csv()).with_suffix(".parquet")),
            "excel": lambda: str(ROOT / "data" / "sample.xlsx"),
        }.get(group, lambda: str(SCRATCH / "out"))()
        print(
            f"== {group}: {', '.join(members)}; {args.pairs} pairs; load average {os.getloadavg()}",
            flush=True,
        )
        measure(group, argument, base)  # warm the page cache, the vega bundle, compiled bytecode
        for name in members:
            measure(group, argument, copies[name])
        ratios: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in members}
        for round_ in range(args.pairs):
            for name in members:
                if round_ % 2 == 0:
                    with_ = measure(group, argument, base)
                    without = measure(group, argument, copies[name])
                else:
                    without = measure(group, argument, copies[name])
                    with_ = measure(group, argument, base)
                ratios[name].append(
                    (
                        without["wall"] / with_["wall"],
                        without["cpu"] / with_["cpu"],
                        with_["wall"],
                        without["wall"],
                        without["peak"] / with_["peak"],
                    )
                )
                wall, cpu, _, _, peak = ratios[name][-1]
                print(
                    f"  pair {round_ + 1} {name}: with {with_['wall']:.3f} s,"
                    f" without {without['wall']:.3f} s,"
                    f" ratio {wall:.3f} (cpu {cpu:.3f}, peak {peak:.3f})",
                    flush=True,
                )
        print(f"-- {group}, load average at the end {os.getloadavg()}")
        print(
            "| variant | with (s) | without (s) | without / with, wall (range) | CPU"
            " | peak memory of the child |"
        )
        for name in members:
            r = ratios[name]
            print(
                f"| {name} | {summary([x[2] for x in r])} | {summary([x[3] for x in r])} | "
                f"{summary([x[0] for x in r])} | {statistics.median(x[1] for x in r):.2f} | "
                f"{statistics.median(x[4] for x in r):.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
