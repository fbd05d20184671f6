"""Team and company summaries and the alignment tree (re-exported by :mod:`okrlib.analysis.progress`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..loading.contract import COMPANY_TEAM, STATUSES
from ..model import isin

ALL_TEAMS = "All teams"
PATH_SEPARATOR = " › "


def _status_counts(frame: pd.DataFrame, keys: list[str], prefix: str) -> pd.DataFrame:
    # one groupby: pd.crosstab builds a pivot table and costs three times as much here
    counts = frame.groupby([*keys, "status"], observed=True).size().unstack("status", fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    return counts.add_prefix(f"{prefix}_")


def _summary(objectives: pd.DataFrame, key_results: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    by_objective, by_kr = objectives.groupby(keys), key_results.groupby(keys)
    base = pd.DataFrame({"objectives": by_objective.size(), "mean_progress": by_objective["progress"].mean()})
    krs = pd.DataFrame({"krs": by_kr.size(), "mean_confidence": by_kr["confidence"].mean()})
    parts = [
        base,
        _status_counts(objectives, keys, "objectives"),
        krs,
        _status_counts(key_results, keys, "krs"),
    ]
    frame = pd.concat(parts, axis=1)
    count_columns = [
        c for c in frame.columns if c in ("objectives", "krs") or c.startswith(("objectives_", "krs_"))
    ]
    frame[count_columns] = frame[count_columns].fillna(0).astype("int64")
    return frame.reset_index()


def team_summary(objectives: pd.DataFrame, key_results: pd.DataFrame) -> pd.DataFrame:
    """Per quarter and team: mean progress, objective and KR counts by status, mean confidence.

    Parameters
    ----------
    objectives : scored objectives (:func:`okrlib.analysis.progress.objective_progress`).
    key_results : scored key results (:func:`okrlib.analysis.progress.kr_progress`).

    Returns
    -------
    DataFrame with quarter, team, objectives, mean_progress, objectives_<status> counts,
    krs, mean_confidence (of the key results' latest confidence) and krs_<status> counts;
    ``Company`` first, then teams by name.
    """
    frame = _summary(objectives, key_results, ["quarter", "team"])
    order = frame["team"].ne(COMPANY_TEAM)
    return (
        frame.assign(_order=order)
        .sort_values(["quarter", "_order", "team"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def company_summary(objectives: pd.DataFrame, key_results: pd.DataFrame) -> pd.DataFrame:
    """The same as :func:`team_summary` over all teams: one row per quarter, team ``All teams``."""
    frame = _summary(objectives, key_results, ["quarter"])
    frame.insert(1, "team", ALL_TEAMS)
    return frame


def alignment_tree(objectives: pd.DataFrame) -> pd.DataFrame:
    """Every objective with its depth, its path of titles from the root and its children's progress.

    Parameters
    ----------
    objectives : scored objectives of one quarter (parents whose rows are absent count as roots).

    Returns
    -------
    The objectives ordered for display (each parent right before its children, ``Company``
    first, then by team and objective_id) with depth (0 for a root), path (titles from the
    root joined by " › "), children (how many align to it) and children_mean_progress (the
    mean progress of the objectives aligned to it).
    """
    frame = objectives.reset_index(drop=True)
    ids = frame["objective_id"]
    parent_of = frame.set_index("objective_id")["parent_objective_id"]
    parent_of = parent_of.where(isin(parent_of, ids))
    title_of = frame.set_index("objective_id")["objective"]
    rank = np.where(frame["team"].eq(COMPANY_TEAM), "0", "1") + ":" + frame["team"] + ":" + ids
    key_of = pd.Series(rank.to_numpy(), index=ids.to_numpy())

    depth = pd.Series(0, index=frame.index)
    path = frame["objective"].astype(str)
    sort_key = key_of.reindex(ids).to_numpy()
    sort_key = pd.Series(sort_key, index=frame.index)
    ancestor = ids.map(parent_of)
    while ancestor.notna().any():
        has = ancestor.notna()
        depth = depth + has
        path = path.where(~has, ancestor.map(title_of) + PATH_SEPARATOR + path)
        sort_key = sort_key.where(~has, ancestor.map(key_of) + "\x00" + sort_key)
        ancestor = ancestor.map(parent_of)
    children = frame.groupby("parent_objective_id")["progress"].agg(["size", "mean"])
    frame["parent_objective_id"] = ids.map(parent_of)
    frame["depth"] = depth
    frame["path"] = path
    frame["children"] = ids.map(children["size"]).fillna(0).astype("int64")
    frame["children_mean_progress"] = ids.map(children["mean"])
    return frame.assign(_key=sort_key).sort_values("_key").drop(columns="_key").reset_index(drop=True)
