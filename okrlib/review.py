"""Across-quarter views of the workbook."""

from __future__ import annotations

import pandas as pd

from .progress import kr_progress
from .workbook import Workbook

LINKED_COLUMNS = [
    "quarter",
    "team",
    "objective_id",
    "kr_id",
    "key_result",
    "kpi_id",
    "segment",
    "status",
    "progress",
]


def linked_key_results(workbook: Workbook) -> pd.DataFrame:
    """Every key result that links a KPI, with its progress and status in its own quarter.

    Each quarter is read at its default ``as_of`` (its last day, or the latest date in the
    data for the running quarter).
    """
    frames = [kr_progress(workbook, quarter) for quarter in workbook.quarters]
    frames = [frame[frame["kpi_id"].notna()] for frame in frames]
    if not frames:
        return pd.DataFrame(columns=LINKED_COLUMNS)
    linked = pd.concat(frames, ignore_index=True)
    linked["segment"] = linked["segment"].fillna("all")
    return linked[LINKED_COLUMNS]
