"""Shared chart style: one colour scheme for status, grades, health and verdicts."""

from __future__ import annotations

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
INK = "#333333"
QUARTER_SHADE = "#d9e6f2"
WIDTH = 560


def _scale(colors: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def _label(frame: pd.DataFrame, id_column: str, title_column: str) -> pd.Series:
    return frame[id_column].astype(str) + "  " + frame[title_column].astype(str)
