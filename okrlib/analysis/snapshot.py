"""One call that gives a notebook every progress frame of a quarter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..loading.load import cut_at
from ..model import Workbook, isin, quarter_bounds
from . import progress
from .changes import default_since, latest_checkins


@dataclass(frozen=True)
class QuarterSnapshot:
    """Every progress frame of one quarter at one date (optionally for one team).

    ``key_results``, ``objectives``, ``forecast`` and ``alignment`` cover the team (or the
    whole company when ``team`` is None; ``alignment`` also keeps the team's ancestors);
    ``teams`` and ``company`` always summarise the whole quarter, for comparison.
    ``checkins`` are those of these key results up to ``as_of``; ``kpi_ids`` the KPIs that
    concern the view (linked by its key results or owned by the team; all for the company);
    ``findings`` the data-quality findings about this quarter's key results of the view
    (``scope`` ``quarter``) and about the workbook as a whole or its KPIs (``workbook``).
    ``workbook`` is the data as it stood at ``as_of`` (:func:`okrlib.cut_at`): use it, not
    the loaded one, for anything else the view shows.  ``since`` is the previous review's date.

    Each key result also carries its objective's owner and commitment, its latest check-in
    (:func:`okrlib.analysis.changes.latest_checkins`), the change of progress and confidence since
    the previous check-in (``*_change_checkin``) and since ``since`` (``*_change_since``),
    and ``missed_commitment`` (missed, in a committed objective, once the quarter ended).
    """

    workbook: Workbook
    quarter: pd.Period
    as_of: pd.Timestamp
    since: pd.Timestamp
    team: str | None
    expected_progress: float
    ended: bool
    key_results: pd.DataFrame
    objectives: pd.DataFrame
    forecast: pd.DataFrame
    alignment: pd.DataFrame
    teams: pd.DataFrame
    company: pd.DataFrame
    checkins: pd.DataFrame
    kpi_ids: list[str]
    findings: pd.DataFrame

    @property
    def headline(self) -> dict[str, object]:
        """The numbers a report opens with: overall progress, status counts, grade."""
        objectives = self.objectives
        counts = objectives["status"].value_counts()
        statuses = progress.FINAL_STATUSES if self.ended else progress.PACE_STATUSES
        return {
            "quarter": self.quarter,
            "team": self.team,
            "as_of": self.as_of,
            "ended": self.ended,
            "expected_progress": None if self.ended else self.expected_progress,
            "objectives": len(objectives),
            "key_results": len(self.key_results),
            "mean_progress": objectives["progress"].mean(),
            "mean_confidence": self.key_results["confidence"].mean(),
            "mean_grade": objectives["grade"].mean() if self.ended else None,
            **{f"objectives_{s}": int(counts.get(s, 0)) for s in statuses},
        }


def _ancestors_and_self(objectives: pd.DataFrame, ids: pd.Series) -> pd.Series:
    parent_of = objectives.set_index("objective_id")["parent_objective_id"]
    keep, frontier = set(ids), ids
    while len(frontier):
        frontier = frontier.map(parent_of).dropna()
        frontier = frontier[~isin(frontier, keep)]
        keep.update(frontier)
    return isin(objectives["objective_id"], keep)


def quarter_snapshot(
    workbook: Workbook,
    quarter: pd.Period | str | None = None,
    as_of: object = None,
    team: str | None = None,
    on_track_tolerance: float = progress.ON_TRACK_TOLERANCE,
    at_risk_tolerance: float = progress.AT_RISK_TOLERANCE,
    since: object = None,
) -> QuarterSnapshot:
    """Key results, objectives, forecast, alignment and summaries of a quarter.

    Parameters
    ----------
    workbook : the loaded workbook; nothing dated after ``as_of`` is used.
    quarter : e.g. ``"2026-Q3"``; default the latest quarter with OKRs.
    as_of : default the earlier of the quarter's last day and the latest date in the data.
    team : one team's view (``None``: the whole company).
    since : the previous review's date (default 14 days before ``as_of``).

    Examples
    --------
    >>> snap = quarter_snapshot(wb, "2026-Q3")   # doctest: +SKIP
    >>> snap.objectives[["objective", "progress", "status", "grade"]]   # doctest: +SKIP
    """
    if quarter is None:
        quarter = workbook.quarters[-1]
    period, day = progress.resolve(workbook, quarter, as_of)
    workbook = cut_at(workbook, day)
    start, end = quarter_bounds(period)
    since_day = default_since(day) if since is None else pd.Timestamp(since).normalize()
    tolerances = (on_track_tolerance, at_risk_tolerance)
    key_results = progress.kr_progress(workbook, period, day, *tolerances)
    objectives = progress.objective_progress(workbook, period, day, key_results, *tolerances)
    key_results = _with_changes(workbook, key_results, objectives, period, day, since_day, tolerances)
    forecast = progress.forecast(workbook, period, day)
    alignment = progress.alignment_tree(objectives)
    teams = progress.team_summary(objectives, key_results)
    company = progress.company_summary(objectives, key_results)
    if team is not None:
        mine = objectives["team"].eq(team)
        alignment = alignment[_ancestors_and_self(alignment, objectives.loc[mine, "objective_id"])]
        objectives = objectives[mine].reset_index(drop=True)
        key_results = key_results[key_results["team"].eq(team)].reset_index(drop=True)
        forecast = forecast[isin(forecast["kr_id"], key_results["kr_id"])].reset_index(drop=True)
    checkins = workbook.checkins
    checkins = checkins[isin(checkins["kr_id"], key_results["kr_id"])]
    kpis = workbook.kpis
    if team is None:
        kpi_ids = kpis["kpi_id"].tolist()
    else:
        mine = kpis["owner"].eq(team) | isin(kpis["kpi_id"], key_results["kpi_id"])
        kpi_ids = kpis.loc[mine, "kpi_id"].tolist()
    return QuarterSnapshot(
        workbook=workbook,
        quarter=period,
        as_of=day,
        since=since_day,
        team=team,
        expected_progress=progress.expected_progress(period, day),
        ended=bool(day >= end),
        key_results=key_results,
        objectives=objectives,
        forecast=forecast,
        alignment=alignment.reset_index(drop=True),
        teams=teams,
        company=company,
        checkins=checkins.sort_values(["kr_id", "date"]).reset_index(drop=True),
        kpi_ids=kpi_ids,
        findings=_scoped_findings(workbook.findings, key_results, kpi_ids),
    )


def _with_changes(
    workbook: Workbook,
    key_results: pd.DataFrame,
    objectives: pd.DataFrame,
    period: pd.Period,
    day: pd.Timestamp,
    since: pd.Timestamp,
    tolerances: tuple[float, float],
) -> pd.DataFrame:
    """The key results with their objective's owner and commitment, latest check-in and changes."""
    start, _ = quarter_bounds(period)
    owners = objectives.set_index("objective_id")[["owner", "commitment"]]
    krs = key_results.join(owners, on="objective_id").join(
        latest_checkins(workbook.checkins, key_results["kr_id"], day), on="kr_id"
    )
    _, previous = progress.progress_of(krs["kr_type"], krs["start"], krs["target"], krs["previous_value"])
    krs["progress_change_checkin"] = krs["progress"] - previous
    krs["confidence_change_checkin"] = krs["last_confidence"] - krs["previous_confidence"]
    before = progress.kr_progress(workbook, period, max(since, start), *tolerances)
    before = before.set_index("kr_id")[["progress", "confidence"]]
    for column in ("progress", "confidence"):  # map on an empty text column keeps its dtype
        then = krs["kr_id"].map(before[column]).astype("float64")
        krs[f"{column}_change_since"] = krs[column] - then
    krs["missed_commitment"] = krs["commitment"].eq("committed") & krs["status"].eq("missed")
    return krs


def _scoped_findings(findings: pd.DataFrame, key_results: pd.DataFrame, kpi_ids: list[str]) -> pd.DataFrame:
    """The findings about the view's key results (``scope`` quarter) and about the workbook
    as a whole or the view's KPIs (``scope`` workbook)."""
    about_krs = isin(findings["subject"], key_results["kr_id"])
    workbook_wide = findings["check"].eq("empty_file") | isin(findings["subject"], kpi_ids)
    scope = pd.Series(np.where(about_krs, "quarter", "workbook"), index=findings.index, dtype="str")
    return findings.assign(scope=scope)[about_krs | workbook_wide].reset_index(drop=True)
