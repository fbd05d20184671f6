"""What changed: each key result's latest check-in, the change since the one before it and
since the previous review, and the key results that need a decision.

Rules
-----
Latest check-in of a key result at ``as_of``: its check-in dated latest on or before
``as_of`` (date, value, confidence, note); the previous check-in is the one before that.
Change since the previous check-in: progress now minus the progress the previous
check-in's value gives, and the latest check-in's confidence minus the previous one's.

Change since the previous review (``since``, by default 14 days before ``as_of``): progress
and confidence now minus the same figures at ``since`` (read by the same rules, at the
later of ``since`` and the quarter's first day).

Needs attention (while a quarter runs): a key result is listed when it is committed and
behind (at risk or off track); when it is not done and its confidence dropped by 0.1 or
more since the previous check-in, or its latest check-in is 14 or more days old (or it has
none); or when the KPI it links
worsened since the quarter started (a guardrail).  Once the quarter has ended: each missed
key result of a committed objective.  Key results with more reasons come first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import isin

SINCE_DAYS = 14
STALE_DAYS = 14
CONFIDENCE_DROP = 0.1
ATTENTION_REASONS = ("missed_commitment", "committed_behind", "confidence_drop", "stale", "kpi_worsened")

__all__ = [
    "ATTENTION_REASONS",
    "SINCE_DAYS",
    "STALE_DAYS",
    "default_since",
    "latest_checkins",
    "needs_attention",
]


def default_since(as_of: pd.Timestamp) -> pd.Timestamp:
    """The previous review's date when none is given: 14 days before ``as_of``."""
    return pd.Timestamp(as_of).normalize() - pd.Timedelta(days=SINCE_DAYS)


def latest_checkins(checkins: pd.DataFrame, kr_ids: pd.Series, as_of: object) -> pd.DataFrame:
    """The latest and the previous check-in of each key result on or before ``as_of``.

    Returns
    -------
    DataFrame indexed by kr_id (only key results with a check-in): last_checkin_date,
    last_value, last_confidence, last_note, previous_checkin_date, previous_value and
    previous_confidence (missing with a single check-in).
    """
    day = pd.Timestamp(as_of).normalize()
    rows = checkins[isin(checkins["kr_id"], kr_ids) & (checkins["date"] <= day)]
    rows = rows.sort_values(["kr_id", "date"], kind="stable")
    last = rows.drop_duplicates("kr_id", keep="last").set_index("kr_id")
    earlier = rows[rows.duplicated("kr_id", keep="last")]
    previous = earlier.drop_duplicates("kr_id", keep="last").set_index("kr_id")
    last = last[["date", "value", "confidence", "note"]]
    last.columns = ["last_checkin_date", "last_value", "last_confidence", "last_note"]
    previous = previous[["date", "value", "confidence"]]
    previous.columns = ["previous_checkin_date", "previous_value", "previous_confidence"]
    return last.join(previous)


def needs_attention(
    key_results: pd.DataFrame, worsened_kpis: pd.DataFrame, as_of: object, ended: bool
) -> pd.DataFrame:
    """The key results that most need a decision, each with its reasons (see module rules).

    Parameters
    ----------
    key_results : ``QuarterSnapshot.key_results`` (status, commitment, missed_commitment,
        confidence_change_checkin, last_checkin_date, kpi_id and segment).
    worsened_kpis : :func:`okrlib.analysis.impact.guardrails` (kpi_id, segment of KPIs that worsened).
    as_of : the review's date.
    ended : whether the quarter has ended.

    Returns
    -------
    The key results' rows with ``reasons`` (a tuple of :data:`ATTENTION_REASONS`) and
    ``days_since_checkin``; most reasons first, then committed first, then by progress.
    """
    day = pd.Timestamp(as_of).normalize()
    krs = key_results
    days = (day - krs["last_checkin_date"]).dt.days
    committed = krs["commitment"].eq("committed")
    open_ = krs["status"].ne("done")  # a done key result needs no decision
    if ended:
        flags = {"missed_commitment": krs["missed_commitment"].fillna(False).astype(bool)}
    else:
        linked = krs["kpi_id"].astype(object) + "\x1f" + krs["segment"].fillna("all").astype(object)
        worse = worsened_kpis["kpi_id"].astype(object) + "\x1f" + worsened_kpis["segment"].astype(object)
        flags = {
            "committed_behind": committed & krs["status"].isin(["at_risk", "off_track"]),
            "confidence_drop": open_ & (krs["confidence_change_checkin"] <= -CONFIDENCE_DROP + 1e-9),
            "stale": open_ & (days.isna() | (days >= STALE_DAYS)),
            "kpi_worsened": krs["kpi_id"].notna() & linked.isin(set(worse)),
        }
    matrix = pd.DataFrame(flags, index=krs.index).fillna(False).astype(bool)
    reasons = pd.Series("", index=krs.index, dtype=object)
    for name in matrix.columns:  # over the few reasons, not the rows
        reasons = reasons + np.where(matrix[name], name + " ", "")
    out = krs.assign(
        reasons=reasons.str.split().map(tuple), days_since_checkin=days, _count=matrix.sum(axis=1)
    )
    out = out[out["_count"] > 0]
    out = out.assign(_committed=~committed[out.index])
    out = out.sort_values(["_count", "_committed", "progress"], ascending=[False, True, True], kind="stable")
    return out.drop(columns=["_count", "_committed"]).reset_index(drop=True)
