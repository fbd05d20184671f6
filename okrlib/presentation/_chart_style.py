"""Shared chart style: one colour scheme for status, grades, health, verdicts, teams and segments."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd

STATUS_COLORS = {
    "done": "#1b7837",
    "on_track": "#7fbf7b",
    "at_risk": "#f1a340",
    "off_track": "#d73027",
    "missed": "#616161",
    "no_data": "#9e9e9e",
}
GRADE_COLORS = {"green": "#1a9850", "yellow": "#e6ab02", "red": "#d73027"}
HEALTH_COLORS = {
    "on_target": "#1a9850",
    "off_target": "#fee08b",
    "warning": "#f1a340",
    "critical": "#d73027",
    "no_target": "#9e9e9e",
}
VERDICT_COLORS = {
    "improved": "#1a9850",
    "worsened": "#d73027",
    "no_clear_effect": "#757575",
    "insufficient_data": "#bdbdbd",
}
# A KPI's target and thresholds: neutral greys told apart by their dashes (and labelled),
# so that no line shares a colour with a segment.
THRESHOLD_COLOR = "#616161"
THRESHOLD_DASHES = {"target": [8, 3], "warn": [4, 3], "critical": [1, 3]}
# Segments: neither grey (the thresholds) nor the green, amber and red of health and status.
SEGMENT_PALETTE = ("#2166ac", "#762a83", "#01665e", "#8c510a", "#c51b7d", "#4393c3", "#9970ab", "#35978f")
# Teams: one colour each, by the team's place among the sorted teams (``team_scale``).
TEAM_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#bab0ac",
)
INK = "#333333"
QUARTER_SHADE = "#d9e6f2"
WIDTH = 560


def _scale(colors: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def words(colors: dict[str, str]) -> dict[str, str]:
    """The same colours keyed by words people read: ``on_track`` -> ``on track``."""
    return {key.replace("_", " "): color for key, color in colors.items()}


def in_words(values: pd.Series) -> pd.Series:
    """Codes as words for legends and tooltips (``on_track`` -> ``on track``); a label only."""
    return values.astype("str").str.replace("_", " ", regex=False)


def team_colors(teams: Iterable[str]) -> dict[str, str]:
    """A colour for each team: the sorted teams take the palette's colours in turn.

    Pass every team of the workbook (``Workbook.teams()``) to every chart, and a team keeps
    its colour from chart to chart, whichever teams a chart shows.

    Examples
    --------
    >>> team_colors(["Sales", "Company"])
    {'Company': '#4e79a7', 'Sales': '#f28e2b'}
    """
    names = sorted({str(team) for team in teams})
    return {team: TEAM_PALETTE[i % len(TEAM_PALETTE)] for i, team in enumerate(names)}


def team_scale(shown: pd.Series, teams: Iterable[str] | None) -> alt.Scale:
    """The colour scale of teams: ``teams`` (default: the teams ``shown``) in sorted order."""
    return _scale(team_colors(shown.dropna().unique() if teams is None else teams))


def _label(frame: pd.DataFrame, id_column: str, title_column: str) -> pd.Series:
    """Axis labels that lead with the name; a name that repeats gets its id in brackets, so
    that its bars stay apart (the id is in every tooltip)."""
    names = frame[title_column].astype(str)
    repeated = names.duplicated(keep=False)
    return names.where(~repeated, names + " (" + frame[id_column].astype(str) + ")")
