"""What-if: rescore a quarter with edited current values and targets, files untouched.

The review-meeting panel (:mod:`okrlib.presentation.widgets`) calls :func:`what_if` on every slider
change; it reuses the snapshot's frames and the progress rules of :mod:`okrlib.analysis.progress`,
so an edited number moves progress, status, the objective's score and its forecast grade
exactly as the same number in the files would.

Forecast grade: each key result's projected progress (its check-in trend extended to the
quarter's end, :func:`okrlib.analysis.progress.forecast`, measured against the possibly edited
target; the what-if progress where there is no trend), weight-averaged per objective and
graded by :func:`okrlib.analysis.progress.grade`.  An edited current value carries the trend with
it: the projection moves by the edit (the slope is kept, so the quarter's remaining gain
is added to the new value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..loading.contract import OBJECTIVE_COLUMNS
from ..model import isin
from . import progress
from .snapshot import QuarterSnapshot


@dataclass(frozen=True)
class WhatIf:
    """Rescored key results and objectives (with ``forecast_progress`` and ``forecast_grade``)."""

    key_results: pd.DataFrame
    objectives: pd.DataFrame


def what_if(
    snapshot: QuarterSnapshot,
    current: Mapping[str, float] | None = None,
    target: Mapping[str, float] | None = None,
) -> WhatIf:
    """Rescore ``snapshot`` with ``current`` values and ``target`` overrides by kr_id.

    Examples
    --------
    >>> result = what_if(snap, current={"sales-26q3-pipeline-kr2": 894000})   # doctest: +SKIP
    >>> result.objectives[["objective_id", "progress", "status", "forecast_grade"]]  # doctest: +SKIP
    """
    current, target = dict(current or {}), dict(target or {})
    krs = snapshot.key_results.copy()
    krs["current"] = krs["kr_id"].map(current).fillna(krs["current"])
    krs["target"] = krs["kr_id"].map(target).fillna(krs["target"])
    scored = progress.score(
        krs.drop(columns=["raw_progress", "progress", "status", "grade", "grade_band"]),
        snapshot.expected_progress,
        ended=snapshot.ended,
    )
    projected = scored[["kr_id", "kr_type", "start", "target", "progress"]].merge(
        snapshot.forecast[["kr_id", "projected_value"]], on="kr_id", how="left"
    )
    # the edit moves the projection by as much (missing where there was no value to move)
    before = snapshot.key_results.set_index("kr_id")["current"]
    moved = pd.Series(current, dtype="float64") - before.reindex(list(current))
    shift = projected["kr_id"].map(moved).where(isin(projected["kr_id"], moved.index), 0.0)
    _, forecast_progress = progress.progress_of(
        projected["kr_type"], projected["start"], projected["target"], projected["projected_value"] + shift
    )
    scored["forecast_progress"] = forecast_progress.fillna(projected["progress"]).to_numpy()
    objectives = progress.roll_up(scored, snapshot.objectives[list(OBJECTIVE_COLUMNS)], snapshot.ended)
    forecast = progress.weighted_progress(scored, "forecast_progress")
    objectives["forecast_progress"] = objectives["objective_id"].map(forecast)
    objectives["forecast_grade"] = progress.grade(objectives["forecast_progress"])
    return WhatIf(scored, objectives)
