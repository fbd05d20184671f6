"""The sentences a review shows beside its calibration and grade figures.

Analysis returns the numbers (:func:`okrlib.analysis.review.calibration`,
:func:`okrlib.analysis.review.grade_distribution`); these functions only put them into words.
"""

from __future__ import annotations

import pandas as pd

from ..analysis import ALL_TEAMS
from ..analysis.review import MIN_GRADED


def possessive(name: str) -> str:
    """``Sales`` -> ``Sales'``, ``Product`` -> ``Product's``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def calibration_sentences(scores: pd.DataFrame) -> list[str]:
    """One sentence per team of :func:`okrlib.analysis.review.calibration`'s scores."""
    return [_calibration(row) for row in scores.to_dict("records")]


def _calibration(row: dict) -> str:
    team = row["team"]
    if row["graded"] < MIN_GRADED:
        graded = _count(int(row["graded"]), "graded key result")
        return f"{team} has {graded}; {MIN_GRADED} are needed for a calibration score."
    if not row["top_krs"]:
        return (
            f"{team} never reported 80% confidence or more at mid-quarter (Brier score {row['brier']:.2f})."
        )
    who = "Across all teams, the" if team == ALL_TEAMS else possessive(team)
    return (
        f"{who} 80%-confident key results were achieved {100 * row['top_hit_rate']:.0f}% of the time "
        f"({_count(int(row['top_krs']), 'key result')}; Brier score {row['brier']:.2f})."
    )


def grade_sentences(teams: pd.DataFrame) -> list[str]:
    """One sentence per team of :func:`okrlib.analysis.review.grade_distribution`'s team flags."""
    return [_grades(row) for row in teams.to_dict("records")]


def _grades(row: dict) -> str:
    text = (
        f"{possessive(row['team'])} aspirational objectives averaged "
        f"{row['mean_aspirational_grade']:.2f} over {row['quarters']} quarters"
    )
    if row["flag"] == "too_safe":
        return text + f", 0.9 or more in {row['safe_quarters']} of them: the goals are likely too safe."
    if row["flag"] == "too_far":
        return text + f", 0.3 or less in {row['far_quarters']} of them: the goals are likely out of reach."
    return text + "."
