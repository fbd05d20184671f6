"""Across-quarter charts: calibration, grade distributions, team scores (see :mod:`.charts`).

Each takes ``all_teams``, every team of the workbook (``Workbook.teams()``): a team's colour
is its place among them (:func:`okrlib.presentation.charts.team_colors`), the same in every chart.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd

from ._chart_style import WIDTH, team_scale


def calibration_chart(bands: pd.DataFrame, all_teams: Iterable[str] | None = None) -> alt.LayerChart:
    """Hit rate against mean confidence per band and team, with the diagonal of perfect calibration.

    ``bands`` is the second frame of :func:`okrlib.analysis.review.calibration`; ``all_teams`` the
    workbook's teams, for the colours (default: the teams in ``bands``).
    """
    frame = bands[["team", "band", "krs", "mean_confidence", "hit_rate"]].astype({"band": "str"})
    diagonal = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(
        color="#9e9e9e", strokeDash=[4, 3]
    )
    diagonal = diagonal.encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    points = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "mean_confidence:Q",
                title="Mid-quarter confidence",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "hit_rate:Q",
                title="Share achieved",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("team:N", title="Team", scale=team_scale(frame["team"], all_teams)),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("band:N", title="Confidence band"),
                alt.Tooltip("krs:Q", title="Key results"),
                alt.Tooltip("hit_rate:Q", title="Achieved", format=".0%"),
            ],
        )
    )
    return alt.layer(
        diagonal,
        points,
        title=alt.TitleParams(
            "Confidence calibration", subtitle="on the dashed line, confidence matches results"
        ),
        width=WIDTH,
        height=260,
    )


def grade_distribution_chart(grades: pd.DataFrame, all_teams: Iterable[str] | None = None) -> alt.LayerChart:
    """Aspirational objectives' grades per team against the 0.6-0.7 sweet spot (shaded).

    ``grades`` is the first frame of :func:`okrlib.analysis.review.grade_distribution`; ``all_teams``
    the workbook's teams, for the colours (default: the teams in ``grades``).
    """
    frame = grades[grades["commitment"] == "aspirational"][["team", "grade", "objective"]]
    spot = alt.Chart(pd.DataFrame({"low": [0.6], "high": [0.7]})).mark_rect(color="#d9f0d3", opacity=0.8)
    spot = spot.encode(x=alt.X("low:Q"), x2=alt.X2("high:Q"))
    ticks = (
        alt.Chart(frame)
        .mark_tick(thickness=3, size=16)
        .encode(
            x=alt.X("grade:Q", title="Grade of aspirational objectives", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("team:N", title=None),
            color=alt.Color("team:N", scale=team_scale(grades["team"], all_teams), legend=None),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("objective:N", title="Objective"),
                alt.Tooltip("grade:Q", title="Grade", format=".1f"),
            ],
        )
    )
    return alt.layer(
        spot,
        ticks,
        title=alt.TitleParams("Aspirational grades", subtitle="shaded: the 0.6-0.7 sweet spot"),
        width=WIDTH,
    )


def team_scores_chart(grades: pd.DataFrame, all_teams: Iterable[str] | None = None) -> alt.Chart:
    """Each team's mean objective grade quarter over quarter.

    ``grades`` is the first frame of :func:`okrlib.analysis.review.grade_distribution`; ``all_teams``
    the workbook's teams, for the colours (default: the teams in ``grades``).
    """
    frame = grades.assign(quarter=grades["quarter"].astype(str))
    frame = frame.groupby(["team", "quarter"], as_index=False)["grade"].mean()
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("quarter:O", title="Quarter"),
            y=alt.Y("grade:Q", title="Mean objective grade", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("team:N", title="Team", scale=team_scale(frame["team"], all_teams)),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("quarter:O", title="Quarter"),
                alt.Tooltip("grade:Q", title="Mean grade", format=".2f"),
            ],
        )
        .properties(title="Team scores quarter over quarter", width=WIDTH, height=220)
    )
