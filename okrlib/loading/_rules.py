"""The per-file rules of the data contract that go beyond one cell's type.

Every check is vectorised and adds its findings to a ``Problems`` collector
(see :mod:`okrlib.loading.load`); nothing here reads files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..exceptions import shorten
from ..model import format_quarter, isin
from .contract import OBJECTIVE_COLUMNS

if TYPE_CHECKING:
    from ._problems import Problems


def _show(values: pd.Series) -> pd.Series:
    """Numbers as the messages write them (``80``, ``1e-05``); texts as they are."""
    return values.map(lambda v: f"{v:g}" if isinstance(v, float) else str(v))


def check_kpis(kpis: pd.DataFrame, problems: Problems) -> None:
    """Thresholds must sit in order: critical, then warn, then target, towards the good side."""
    sign = np.where(kpis["direction"] == "higher_is_better", 1.0, -1.0)
    good_side = np.where(sign > 0, "at most", "at least")
    pairs = (
        ("critical_threshold", "warn_threshold"),
        ("warn_threshold", "target"),
        ("critical_threshold", "target"),
    )
    for lower, upper in pairs:
        disorder = (kpis[lower] * sign) > (kpis[upper] * sign)
        expected = pd.Series(
            [
                f"{g} {upper} ({u:g}) for a {d} KPI"
                for g, u, d in zip(good_side, kpis[upper], kpis["direction"], strict=True)
            ],
            index=kpis.index,
        )
        for line in kpis.index[disorder.to_numpy()]:
            problems.add(int(line), lower, f"{kpis.at[line, lower]:g}", expected[line])


def check_okrs(okrs: pd.DataFrame, problems: Problems, kpis: pd.DataFrame | None) -> None:
    """Key-result rules, objective consistency, references and alignment cycles."""
    kr_type = okrs["kr_type"]
    moving = kr_type.isin(["increase", "decrease"])
    empty = pd.Series("", index=okrs.index)
    problems.add_rows(
        moving & okrs["start"].isna(),
        "start",
        empty,
        "a start value for an increase or decrease key result",
    )
    problems.add_rows(
        kr_type.ne("milestone") & okrs["target"].isna(),
        "target",
        empty,
        "a target value for an increase, decrease, at_least or at_most key result",
    )
    both = okrs["start"].notna() & okrs["target"].notna()
    problems.add_rows(
        both & kr_type.eq("increase") & (okrs["target"] <= okrs["start"]),
        "target",
        okrs["target"],
        "a target above start for an increase key result (start " + _show(okrs["start"]) + ")",
        show=_show,
    )
    problems.add_rows(
        both & kr_type.eq("decrease") & (okrs["target"] >= okrs["start"]),
        "target",
        okrs["target"],
        "a target below start for a decrease key result (start " + _show(okrs["start"]) + ")",
        show=_show,
    )
    problems.add_rows(
        kr_type.eq("milestone") & okrs["target"].notna() & okrs["target"].ne(1.0),
        "target",
        okrs["target"],
        "an empty target or 1 for a milestone (progress is the fraction done)",
        show=_show,
    )
    problems.add_rows(okrs["weight"] <= 0, "weight", okrs["weight"], "a positive weight", show=_show)
    problems.add_rows(
        okrs["segment"].notna() & okrs["kpi_id"].isna(),
        "segment",
        okrs["segment"],
        "a kpi_id beside a segment (the segment is one of that KPI's segments)",
    )
    if kpis is not None:
        unknown = okrs["kpi_id"].notna() & ~isin(okrs["kpi_id"], kpis["kpi_id"])
        problems.add_rows(unknown, "kpi_id", okrs["kpi_id"], "a kpi_id listed in kpis")
    _check_objective_columns(okrs, problems)
    problems.raise_if_any()
    _check_parents(okrs, problems)


def _check_objective_columns(okrs: pd.DataFrame, problems: Problems) -> None:
    """Objective columns repeat on every key-result row and must agree."""
    location = problems.location
    columns = [column for column in OBJECTIVE_COLUMNS if column != "objective_id"]
    firsts = okrs.groupby("objective_id", sort=False)[columns].transform("first")  # one pass for all
    first_line = None
    for column in columns:
        first, values = firsts[column], okrs[column]
        differs = values.ne(first) & ~(values.isna() & first.isna())
        if first_line is None and differs.any():
            first_line = okrs.index.to_series().groupby(okrs["objective_id"].to_numpy()).transform("first")
        for line in okrs.index[differs.to_numpy()]:
            problems.add(
                int(line),
                column,
                okrs.at[line, column],
                f"{shorten(str(first.at[line]))} as on {location} {first_line.at[line]} "
                f"(objective {shorten(okrs.at[line, 'objective_id'])!r} is one objective)",
            )


def _check_parents(okrs: pd.DataFrame, problems: Problems) -> None:
    objectives = okrs.drop_duplicates("objective_id")
    parent = objectives.set_index("objective_id")["parent_objective_id"]
    quarter = objectives.set_index("objective_id")["quarter"]
    has_parent = objectives["parent_objective_id"].notna()
    unknown = has_parent & ~isin(objectives["parent_objective_id"], objectives["objective_id"])
    problems.add_rows(
        unknown,
        "parent_objective_id",
        objectives["parent_objective_id"],
        "the objective_id of an objective in okrs",
    )
    parent_quarter = objectives["parent_objective_id"].map(quarter)
    other_quarter = has_parent & ~unknown & parent_quarter.ne(objectives["quarter"])
    problems.add_rows(
        other_quarter,
        "parent_objective_id",
        objectives["parent_objective_id"],
        "an objective of the same quarter, "
        + objectives["quarter"].map(format_quarter)
        + "; the parent is in "
        + parent_quarter.map(lambda q: format_quarter(q) if isinstance(q, pd.Period) else ""),
    )
    problems.raise_if_any()
    # Follow parent links one level per step; after n steps only cycles remain.
    ancestor = objectives["parent_objective_id"]
    for _ in range(len(objectives)):
        ancestor = ancestor.map(parent)
        if ancestor.isna().all():
            return
    in_cycle = ancestor.notna()
    for line in objectives.index[in_cycle.to_numpy()]:
        start = objectives.at[line, "objective_id"]
        path, node = [start], parent[start]
        while node not in path:
            path.append(node)
            node = parent[node]
        path.append(node)
        problems.add(
            int(line),
            "parent_objective_id",
            objectives.at[line, "parent_objective_id"],
            "no alignment cycle; found " + " -> ".join(path),
        )


def check_checkins(checkins: pd.DataFrame, problems: Problems, key_results: pd.DataFrame | None) -> None:
    """Confidence in 0..1; known key results; a milestone's value in 0..1."""
    confidence = checkins["confidence"]
    outside = confidence.notna() & ((confidence < 0) | (confidence > 1))
    problems.add_rows(
        outside, "confidence", confidence, "a confidence from 0 to 1 (write 0.8, not 80%)", show=_show
    )
    if key_results is None:
        return
    unknown = ~isin(checkins["kr_id"], key_results["kr_id"])
    problems.add_rows(unknown, "kr_id", checkins["kr_id"], "a kr_id listed in okrs")
    kr_type = checkins["kr_id"].map(key_results.set_index("kr_id")["kr_type"])
    value = checkins["value"]
    bad_milestone = kr_type.eq("milestone") & ((value < 0) | (value > 1))
    problems.add_rows(bad_milestone, "value", value, "a milestone's fraction done from 0 to 1", show=_show)


def split_okrs(okrs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the validated okrs frame into objectives and key results."""
    objectives = okrs.drop_duplicates("objective_id")[list(OBJECTIVE_COLUMNS)]
    kr_columns = ["kr_id", "objective_id", "quarter", "team"] + [
        c for c in okrs.columns if c not in OBJECTIVE_COLUMNS and c != "kr_id"
    ]
    return objectives, okrs[kr_columns]
