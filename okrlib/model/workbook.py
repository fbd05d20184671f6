"""The Workbook: the validated data set every compute function takes, and date helpers."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .quarters import format_quarter, parse_quarter, quarter_bounds

FINDING_COLUMNS = ["check", "file", "line", "subject", "message"]


@dataclass(frozen=True, eq=False)
class Workbook:
    """Tidy, validated frames loaded from one data folder.

    Attributes
    ----------
    kpis : one row per KPI.
    kpi_history : one row per (date, kpi_id, segment) observation.
    objectives : one row per objective.
    key_results : one row per key result, with its objective_id, quarter and team.
    checkins : one row per (kr_id, date) check-in.
    findings : data-quality notes that are not errors (check, file, line, subject, message).
    source : the folder the files came from, if any.
    as_of : set when the workbook was cut at a date (:func:`okrlib.cut_at`): no row is dated
        after it and no quarter starts after it.

    Workbooks compare and hash by identity, so results computed from one can be cached.
    """

    kpis: pd.DataFrame
    kpi_history: pd.DataFrame
    objectives: pd.DataFrame
    key_results: pd.DataFrame
    checkins: pd.DataFrame
    findings: pd.DataFrame
    source: Path | None = None
    as_of: pd.Timestamp | None = None

    @property
    def quarters(self) -> list[pd.Period]:
        """The quarters that have OKRs, oldest first."""
        return sorted(self.objectives["quarter"].dropna().unique())

    def teams(self, quarter: pd.Period | str | None = None) -> list[str]:
        """The teams with objectives (in ``quarter`` if given), ``Company`` first."""
        objectives = self.objectives
        if quarter is not None:
            objectives = objectives[objectives["quarter"] == parse_quarter(quarter)]
        names = sorted(objectives["team"].unique())
        return sorted(names, key=lambda name: name != "Company")

    @property
    def latest_date(self) -> pd.Timestamp:
        """The latest date in the KPI history or the check-ins."""
        dates = pd.concat([self.kpi_history["date"], self.checkins["date"]])
        return dates.max()

    @property
    def known_until(self) -> pd.Timestamp:
        """The day the data speaks for: ``as_of`` of a cut workbook, else :attr:`latest_date`."""
        return self.latest_date if self.as_of is None else self.as_of

    def summary(self) -> str:
        """A few lines saying what was loaded."""
        history = self.kpi_history
        quarters = ", ".join(format_quarter(q) for q in self.quarters)
        span = (
            f"{history['date'].min():%Y-%m-%d} to {history['date'].max():%Y-%m-%d}"
            if len(history)
            else "no dates"
        )
        lines = [
            f"Workbook from {self.source}" if self.source else "Workbook",
            f"  KPIs: {len(self.kpis)} with {len(history):,} observations ({span}), "
            f"{history['segment'].nunique()} segments",
            f"  OKRs: {len(self.objectives)} objectives, {len(self.key_results)} key results "
            f"in {quarters or 'no quarter'}; teams: {', '.join(self.teams())}",
            f"  Check-ins: {len(self.checkins):,}",
            f"  Data-quality findings: {len(self.findings)}",
        ]
        for check, count in self.findings["check"].value_counts().sort_index().items():
            lines.append(f"    {check}: {count}")
        return "\n".join(lines)


# Results computed from a workbook, per workbook (immutable, hashed by identity) and key.
_RESULTS: weakref.WeakKeyDictionary[Workbook, dict[tuple, pd.DataFrame]] = weakref.WeakKeyDictionary()


def cached(workbook: Workbook, key: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``compute()`` once per workbook and ``key`` (name the function first in it); every
    call gets a shallow copy (copy-on-write: callers cannot change the kept frame).  The
    results go when the workbook does."""
    results = _RESULTS.setdefault(workbook, {})
    if key not in results:
        results[key] = compute()
    return results[key].copy(deep=False)


def default_as_of(workbook: Workbook, quarter: pd.Period | str) -> pd.Timestamp:
    """The earlier of the quarter's last day and the latest date in the data.

    The same files therefore always give the same report, whatever today is.
    """
    _, end = quarter_bounds(quarter)
    latest = workbook.latest_date
    return end if pd.isna(latest) else min(end, latest.normalize())


def findings_frame(
    check: str, file: str, rows: pd.DataFrame, subject: pd.Series, message: object
) -> pd.DataFrame:
    """Build data-quality findings, one per row of ``rows`` (indexed by source line)."""
    return pd.DataFrame(
        {
            "check": check,
            "file": file,
            "line": rows.index.to_numpy(dtype="int64"),
            "subject": subject.to_numpy(dtype=object),
            "message": message if isinstance(message, str) else pd.Series(message).to_numpy(dtype=object),
        },
        columns=FINDING_COLUMNS,
    )
