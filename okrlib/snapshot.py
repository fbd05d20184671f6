"""One call that gives a notebook every progress frame of a quarter."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import progress
from ._frames import isin
from .workbook import Workbook, quarter_bounds


@dataclass(frozen=True)
class QuarterSnapshot:
    """Every progress frame of one quarter at one date (optionally for one team).

    ``key_results``, ``objectives``, ``forecast`` and ``alignment`` cover the team (or the
    whole company when ``team`` is None; ``alignment`` also keeps the team's ancestors);
    ``teams`` and ``company`` always summarise the whole quarter, for comparison.
    ``checkins`` are those of these key results up to ``as_of``; ``kpi_ids`` the KPIs that
    concern the view (linked by its key results or owned by the team; all for the company);
    ``findings`` the workbook's data-quality findings about them.
    """

    quarter: pd.Period
    as_of: pd.Timestamp
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
        return {
            "quarter": self.quarter,
            "team": self.team,
            "as_of": self.as_of,
            "expected_progress": self.expected_progress,
            "objectives": len(objectives),
            "key_results": len(self.key_results),
            "mean_progress": objectives["progress"].mean(),
            "mean_confidence": self.key_results["confidence"].mean(),
            "mean_grade": objectives["grade"].mean() if self.ended else None,
            **{f"objectives_{s}": int(counts.get(s, 0)) for s in progress.STATUSES},
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
) -> QuarterSnapshot:
    """Key results, objectives, forecast, alignment and summaries of a quarter.

    Parameters
    ----------
    workbook : the loaded workbook.
    quarter : e.g. ``"2026-Q3"``; default the latest quarter with OKRs.
    as_of : default the earlier of the quarter's last day and the latest date in the data.
    team : one team's view (``None``: the whole company).

    Examples
    --------
    >>> snap = quarter_snapshot(wb, "2026-Q3")   # doctest: +SKIP
    >>> snap.objectives[["objective", "progress", "status", "grade"]]   # doctest: +SKIP
    """
    if quarter is None:
        quarter = workbook.quarters[-1]
    period, day = progress.resolve(workbook, quarter, as_of)
    _, end = quarter_bounds(period)
    tolerances = (on_track_tolerance, at_risk_tolerance)
    key_results = progress.kr_progress(workbook, period, day, *tolerances)
    objectives = progress.objective_progress(workbook, period, day, key_results, *tolerances)
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
    checkins = checkins[isin(checkins["kr_id"], key_results["kr_id"]) & (checkins["date"] <= day)]
    kpis = workbook.kpis
    if team is None:
        kpi_ids = kpis["kpi_id"].tolist()
        findings = workbook.findings
    else:
        mine = kpis["owner"].eq(team) | isin(kpis["kpi_id"], key_results["kpi_id"])
        kpi_ids = kpis.loc[mine, "kpi_id"].tolist()
        subjects = set(key_results["kr_id"]) | set(kpi_ids)
        findings = workbook.findings[isin(workbook.findings["subject"], subjects)]
    return QuarterSnapshot(
        quarter=period,
        as_of=day,
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
        findings=findings.reset_index(drop=True),
    )
