"""Load and validate the four data files into tidy DataFrames.

Each loader reads one file by the data contract (:mod:`okrlib.loading.contract`), parses
every cell, checks every rule and either returns a tidy DataFrame or raises
:class:`~okrlib.DataError` listing every problem with file, line, column, value
and what was expected.  The index of every returned frame is the source line
(or Parquet row) of each record, so later messages can point back at the file.

Examples
--------
>>> wb = load_workbook("data/")                       # doctest: +SKIP
>>> wb.key_results[["kr_id", "kr_type", "start", "target"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..model import Workbook, isin
from ..model import history as _history
from . import _sql
from ._columns import parse_table
from ._findings import workbook_findings
from ._problems import Problems
from ._read import locate, read_raw
from ._rules import check_checkins, check_kpis, check_okrs, split_okrs
from ._toml import config_path, read_config
from .contract import CHECKINS, KPI_HISTORY, KPIS, OKRS, FileSpec

__all__ = ["cut_at", "load_checkins", "load_kpi_history", "load_kpis", "load_okrs", "load_workbook"]


def _load(path: str | Path, spec: FileSpec) -> tuple[pd.DataFrame, Problems]:
    toml = config_path(path)
    if toml is None:
        raw, aliases = read_raw(locate(path, spec), spec), {}
    else:  # okrlib.toml says where the table comes from and how it maps (docs/reference.md, "A source file")
        config = read_config(toml)
        raw, aliases = config.read(spec)
    problems = Problems(raw.source, raw.location, raw.sheet, raw.letters, aliases)
    if toml is not None and spec.stem in config.tables:
        problems.mapped_in = f"{toml.name}'s [{spec.stem}] columns"
    return parse_table(raw, spec, problems), problems


def load_kpis(path: str | Path) -> pd.DataFrame:
    """Load ``kpis.csv`` (or ``.parquet``): one row per KPI.

    Parameters
    ----------
    path : the data folder, or the file itself.

    Returns
    -------
    DataFrame with the contract's columns (kpi_id, name, unit, direction,
    aggregation, kind, owner, target, warn_threshold, critical_threshold) and any
    extra columns, indexed by source line.
    """
    frame, problems = _load(path, KPIS)
    check_kpis(frame, problems)
    problems.raise_if_any()
    return frame


def load_kpi_history(path: str | Path, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load ``kpi_history.csv``: one row per (date, kpi_id, segment) observation.

    With ``kpis`` given, every ``kpi_id`` must name a known KPI.  From an SQL source
    (``okrlib.toml``, docs/reference.md "KPI history from a warehouse") every KPI's whole
    series, by day.
    """
    sql = _sql_source(path)
    if sql is not None:
        return _sql.load_history(sql, load_kpis(path) if kpis is None else kpis)[0]
    frame, problems = _load(path, KPI_HISTORY)
    if kpis is not None:
        unknown = ~isin(frame["kpi_id"], kpis["kpi_id"])
        problems.add_rows(unknown, "kpi_id", frame["kpi_id"], "a kpi_id listed in kpis")
    problems.raise_if_any()
    return frame


def load_okrs(path: str | Path, kpis: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load ``okrs.csv`` and split it into ``(objectives, key_results)``.

    ``objectives`` has one row per objective (the objective columns), indexed by
    the line of its first key result; ``key_results`` one row per key result with
    ``objective_id``, ``quarter`` and ``team`` beside the key-result columns.
    With ``kpis`` given, every ``kpi_id`` must name a known KPI.
    """
    frame, problems = _load(path, OKRS)
    check_okrs(frame, problems, kpis)
    problems.raise_if_any()
    return split_okrs(frame)


def load_checkins(path: str | Path, key_results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load ``checkins.csv``: one row per (kr_id, date) check-in.

    With ``key_results`` given, every ``kr_id`` must name a known key result and
    a milestone's value must lie in 0..1.
    """
    frame, problems = _load(path, CHECKINS)
    check_checkins(frame, problems, key_results)
    problems.raise_if_any()
    return frame


def load_workbook(path: str | Path = "data", team: str | None = None) -> Workbook:
    """Load and cross-check the four files of a data folder.

    Parameters
    ----------
    path : the data folder holding kpis, kpi_history, okrs and checkins
        (each ``.csv``, ``.parquet`` or ``.xlsx``), or an ``.xlsx`` workbook with
        sheets of those names (docs/reference.md, "Excel workbooks"), or an ``okrlib.toml``
        source file saying where each table comes from and how its columns and values
        map (a folder holding ``okrlib.toml`` is read through it: docs/reference.md, "A source file").

    team : for ``kpi_history`` from an SQL source only: the review's team, whose KPIs (owned
        by it or linked by its key results) are asked of the engine whole, and of the other
        linked KPIs only what grades need (default: every KPI whole).  Files are read whole
        whatever ``team`` says.

    Returns
    -------
    Workbook
        Tidy frames plus ``findings``: data-quality notes that are not errors.

    Raises
    ------
    DataError
        Listing every problem of the first file that has any.

    Examples
    --------
    >>> wb = load_workbook("data")          # doctest: +SKIP
    >>> wb.quarters[-1]                     # doctest: +SKIP
    Period('2026Q4', 'Q-DEC')
    """
    path = Path(path)
    kpis = load_kpis(path)
    sql = _sql_source(path)
    if sql is not None:
        return _sql_workbook(path, sql, kpis, team)
    history = load_kpi_history(path, kpis)
    objectives, key_results = load_okrs(path, kpis)
    checkins = load_checkins(path, key_results)
    findings = workbook_findings(kpis, history, key_results, checkins)
    return Workbook(kpis, history, objectives, key_results, checkins, findings, source=path)


def _sql_source(path: str | Path) -> _sql.SqlTable | None:
    """The SQL table ``kpi_history`` comes from, when an ``okrlib.toml`` names one."""
    toml = config_path(path)
    return None if toml is None else read_config(toml).sql


def _sql_workbook(path: Path, sql: _sql.SqlTable, kpis: pd.DataFrame, team: str | None) -> Workbook:
    """The workbook with ``kpi_history`` asked of an SQL engine: the days of the KPIs a
    review reads, in the window it reads (:mod:`okrlib.loading._sql`'s rules)."""
    objectives, key_results = load_okrs(path, kpis)
    checkins = load_checkins(path, key_results)
    history, present = _sql.load_history(sql, kpis, _sql.request(kpis, key_results, team))
    findings = workbook_findings(kpis, history, key_results, checkins)
    findings = _sql.drop_unasked(findings, key_results, present)  # the table holds what was not asked for
    return Workbook(kpis, history, objectives, key_results, checkins, findings, source=path)


def cut_at(workbook: Workbook, as_of: object) -> Workbook:
    """The workbook as it stood at ``as_of``: nothing dated after it is kept.

    KPI observations and check-ins dated after ``as_of`` are left out, and so are the
    objectives and key results of quarters that start after it; the findings are those of
    what is kept (``empty_file`` stays a finding about the file as a whole).  A report as of
    a date therefore reads the same whatever was added to the files later.

    Examples
    --------
    >>> cut_at(wb, "2026-09-30").latest_date <= pd.Timestamp("2026-09-30")   # doctest: +SKIP
    True
    """
    day = pd.Timestamp(as_of).normalize()
    history = workbook.kpi_history
    after = (history["date"] > day).to_numpy()
    if after.any():  # else the frame itself: a copy of a 10M-row history costs 0.5 s and 300 MB
        history = _history.rows(history, ~after)
    objectives = workbook.objectives
    objectives = objectives[objectives["quarter"].dt.start_time <= day]
    key_results = workbook.key_results
    key_results = key_results[key_results["quarter"].dt.start_time <= day]
    checkins = workbook.checkins
    checkins = checkins[(checkins["date"] <= day) & isin(checkins["kr_id"], key_results["kr_id"])]
    empty_files = workbook.findings[workbook.findings["check"].eq("empty_file")]
    findings = pd.concat(
        [workbook_findings(workbook.kpis, history, key_results, checkins, empty_files=False), empty_files],
        ignore_index=True,
    )
    return Workbook(
        workbook.kpis, history, objectives, key_results, checkins, findings, workbook.source, as_of=day
    )
