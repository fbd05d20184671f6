"""Data-quality findings: what a workbook loads with but a report should say (documented rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import FINDING_COLUMNS, findings_frame, isin, series_key
from ..model import history as _history


def workbook_findings(
    kpis: pd.DataFrame,
    history: pd.DataFrame,
    key_results: pd.DataFrame,
    checkins: pd.DataFrame,
    empty_files: bool = True,
) -> pd.DataFrame:
    """Data-quality notes: accepted by the contract, but worth a reader's eye."""
    notes = []
    no_history = kpis[~isin(kpis["kpi_id"], _history.kpi_ids(history))]
    notes.append(
        findings_frame(
            "kpi_without_history",
            "kpis",
            no_history,
            no_history["kpi_id"],
            "KPI has no observations in kpi_history",
        )
    )
    no_checkins = key_results[~isin(key_results["kr_id"], checkins["kr_id"])]
    message = np.where(
        no_checkins["kpi_id"].notna(),
        "no check-ins yet; progress is read from its KPI",
        "no check-ins yet and no linked KPI: no current value",
    )
    notes.append(findings_frame("kr_without_checkins", "okrs", no_checkins, no_checkins["kr_id"], message))
    quarter = checkins["kr_id"].map(key_results.set_index("kr_id")["quarter"])  # kr_id is unique
    outside = checkins["date"].dt.to_period("Q") != quarter
    outside_rows = checkins[outside].assign(quarter=quarter[outside])
    notes.append(
        findings_frame(
            "checkin_outside_quarter",
            "checkins",
            outside_rows,
            outside_rows["kr_id"],
            "check-in dated "
            + outside_rows["date"].dt.strftime("%Y-%m-%d")
            + " is outside the key result's quarter "
            + outside_rows["quarter"].astype(str),
        )
    )
    linked = key_results[key_results["segment"].notna()]
    pairs = _history.series(history)
    pairs = pairs[isin(pairs["kpi_id"], linked["kpi_id"])]
    known = isin(series_key(linked), series_key(pairs))
    missing_segment = linked[~known]
    notes.append(
        findings_frame(
            "segment_without_history",
            "okrs",
            missing_segment,
            missing_segment["kr_id"],
            "segment "
            + missing_segment["segment"].astype(str)
            + " of KPI "
            + missing_segment["kpi_id"].astype(str)
            + " has no history",
        )
    )
    notes.extend(_scale_findings(history, key_results))
    for frame, stem in ((history, "kpi_history"), (checkins, "checkins")):
        if empty_files and frame.empty:
            notes.append(
                pd.DataFrame(
                    [["empty_file", stem, 1, stem, "the file has a header and no rows"]],
                    columns=FINDING_COLUMNS,
                )
            )
    return pd.concat(notes, ignore_index=True)


SCALE = 100  # fractions against percentage points, cents against units
SCALE_SLACK = 1.25  # a value within 1/1.25 to 1.25 times 1/100 (or 100) of its series' median
RANGE_FACTOR = 10  # a key result's start or target this far outside its KPI's observed range


def _scale_stats(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """The rows about 100x off their series' median, their series' median (absolute) and
    each series' min and max (indexed by :func:`okrlib.model.history.pairs`).

    One reduction per series, spread back to the rows by position: a transform and the
    ratios as pandas Series held about 1 GB of temporaries for 10M rows.
    """
    codes = _history.pairs(history)
    stats = history["value"].groupby(codes, sort=False).agg(["median", "min", "max"])
    median = np.abs(stats["median"].to_numpy())[stats.index.get_indexer(codes)]
    del codes
    size = np.abs(history["value"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        odd = _near(np.where(median > 0, size * SCALE / median, np.nan))
        odd |= _near(np.where(size > 0, median * SCALE / size, np.nan))
    return history[odd], pd.Series(median[odd], index=history.index[odd]), stats[["min", "max"]]


def _near(ratio: np.ndarray) -> np.ndarray:
    return (ratio >= 1 / SCALE_SLACK) & (ratio <= SCALE_SLACK)


def _scale_findings(history: pd.DataFrame, key_results: pd.DataFrame) -> list[pd.DataFrame]:
    """Findings of values on another scale: a series whose values jump by about 100x from
    its median (``scale_jump``: fractions mixed with percentage points), and a key result
    whose start or target lies 10x or more outside the range its KPI was observed in
    (``kr_outside_kpi_range``: a target of 0.9 on a KPI recorded as 90)."""
    if history.empty:
        return []
    # per series (by integer codes: 10M rows of texts hash slowly), once per history frame:
    # cut_at(wb, day) with nothing after day keeps the loaded frame and finds the same
    odd, median, stats = _history.memo(history, "scale_findings", lambda: _scale_stats(history))
    notes = []
    if len(odd):
        first = odd.groupby(["kpi_id", "segment"], sort=False, observed=True).head(1)
        counts = odd.groupby(["kpi_id", "segment"], sort=False, observed=True).size()
        count = pd.Series(
            counts.reindex(pd.MultiIndex.from_frame(first[["kpi_id", "segment"]])).to_numpy(),
            index=first.index,
        )
        series_median = median[first.index]
        message = (
            "segment "
            + first["segment"].astype(str)
            + ": "
            + count.astype(str)
            + " value(s) about 100 times off the series' median "
            + series_median.map("{:g}".format)
            + ", the first "
            + first["value"].map("{:g}".format)
            + " (fractions mixed with percentage points?)"
        )
        notes.append(findings_frame("scale_jump", "kpi_history", first, first["kpi_id"], message))
    linked = key_results[key_results["kpi_id"].notna()]
    if len(linked):
        keys = _history.pair_of(history, linked["kpi_id"], linked["segment"].fillna("all"))
        low = pd.Series(stats["min"].reindex(keys).to_numpy(), index=linked.index)
        high = pd.Series(stats["max"].reindex(keys).to_numpy(), index=linked.index)
        positive = low > 0
        outside = pd.Series(False, index=linked.index)
        for column in ("start", "target"):  # over the two columns, not the rows
            value = linked[column]
            outside |= positive & ((value < low / RANGE_FACTOR) | (value > high * RANGE_FACTOR))
        rows = linked[outside]
        if len(rows):
            message = (
                "start "
                + rows["start"].map(lambda v: "–" if pd.isna(v) else f"{v:g}")
                + " / target "
                + rows["target"].map(lambda v: "–" if pd.isna(v) else f"{v:g}")
                + " lies far outside KPI "
                + rows["kpi_id"].astype(str)
                + "'s observed range "
                + low[rows.index].map("{:g}".format)
                + " to "
                + high[rows.index].map("{:g}".format)
                + " (another scale, such as 0.9 for 90%?)"
            )
            notes.append(findings_frame("kr_outside_kpi_range", "okrs", rows, rows["kr_id"], message))
    return notes
