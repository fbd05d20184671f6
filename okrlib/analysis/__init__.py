"""Analysis: pure functions from a :class:`~okrlib.model.Workbook` to DataFrames.

:mod:`~okrlib.analysis.progress` (progress, pace, roll-ups, grades, forecasts),
:mod:`~okrlib.analysis.kpi` (aggregation and health), :mod:`~okrlib.analysis.impact`
(did a key result move its KPI), :mod:`~okrlib.analysis.review` (forecast odds,
calibration, grade distribution), :mod:`~okrlib.analysis.changes` (what changed and what
needs attention), :mod:`~okrlib.analysis.lint` (OKR-writing rules),
:mod:`~okrlib.analysis.snapshot` (one quarter as of a date) and
:mod:`~okrlib.analysis.whatif` (targets and values overridden in memory).  Nothing here
reads files, prints, or writes sentences: presentation turns these frames into words.
"""

from . import changes, impact, kpi, lint, progress, review, snapshot, whatif
from ._rollup import ALL_TEAMS
from .snapshot import QuarterSnapshot, quarter_snapshot
from .whatif import WhatIf, what_if

__all__ = [
    "ALL_TEAMS",
    "QuarterSnapshot",
    "WhatIf",
    "changes",
    "impact",
    "kpi",
    "lint",
    "progress",
    "quarter_snapshot",
    "review",
    "snapshot",
    "what_if",
    "whatif",
]
