"""The impact verdicts and the guardrails as tables: effect in the KPI's unit, the points and
shape each verdict rests on, its notes."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from . import _format
from ._display import percent
from ._html import (
    badge,
    in_units,
    names_with_ids,
    raw,
    raw_number,
    table,
    text,
)
from .charts import VERDICT_COLORS


def impact_table(results: pd.DataFrame, kpis: pd.DataFrame | None = None) -> HTML:
    """Each hypothesis: what the KR reached next to what its KPI did, in the KPI's unit."""
    info = (kpis if kpis is not None else pd.DataFrame(columns=["kpi_id", "name", "unit"])).set_index(
        "kpi_id"
    )
    units = results["kpi_id"].map(info["unit"]) if len(info) else pd.Series(None, index=results.index)
    names = results["kpi_id"].map(info["name"]) if len(info) else results["kpi_id"]
    results = _shown_shape(results)
    frame = results.assign(
        kr=names_with_ids(results["key_result"], results["kr_id"]),
        kpi=names_with_ids(names, results["kpi_id"]),
        effect_shown=in_units(_format.change, results["effect"], units),
        interval=[
            _format.DASH if pd.isna(lo) else f"{_format.change(lo, u)} to {_format.change(hi, u)}"
            for lo, hi, u in zip(results["effect_low"], results["effect_high"], units, strict=True)
        ],
        note=_impact_notes(results),
        points=_impact_points(results),
    )
    columns = {
        "kr": ("Key result", raw),
        "progress": ("KR progress", percent),
        "kpi": ("KPI", raw),
        "segment": ("Segment", text),
        "effect_shown": ("Effect", raw_number),
        "interval": ("Interval", text),
        "effect_pct": ("Effect %", lambda v: _format.DASH if pd.isna(v) else _format.signed_percent(v)),
        "verdict": ("KPI verdict", lambda v: badge(v, VERDICT_COLORS)),
        "did_verdict": ("vs other segments", lambda v: badge(v, VERDICT_COLORS)),
        "points": ("Points used; shape found", text),
        "note": ("Note", text),
    }
    return HTML(table(frame, columns))


def _shown_shape(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` with the effect, interval and percent of the shape the verdict rests on:
    the ramp's where the rule found a build-up (``shape`` ``ramp``), else the step's."""
    if "shape" not in results:
        return results
    ramp = results["shape"].eq("ramp").fillna(False).to_numpy()
    shown = {
        "effect": "ramp_effect",
        "effect_low": "ramp_low",
        "effect_high": "ramp_high",
        "effect_pct": "ramp_pct",
    }
    return results.assign(
        **{step: results[step].where(~ramp, results[other]) for step, other in shown.items()}
    )


SHAPE_WORDS = {"step": "a step", "ramp": "a build-up"}


def _impact_points(results: pd.DataFrame) -> list[str | None]:
    """``26 + 13 weeks`` (baseline + post points), ``, seasonal`` when a yearly cycle was
    modelled, ``; a step`` or ``; a build-up`` for the shape the verdict found; nothing for
    a frame without those columns."""
    if "baseline_points" not in results:
        return [None] * len(results)
    shapes = results["shape"] if "shape" in results else pd.Series(pd.NA, index=results.index)
    return [
        f"{before} + {after} {period}s"
        + (", seasonal" if seasonal else "")
        + (f"; {SHAPE_WORDS[shape]}" if isinstance(shape, str) else "")
        for before, after, period, seasonal, shape in zip(
            results["baseline_points"],
            results["post_points"],
            results["period"],
            results["seasonal"],
            shapes,
            strict=True,
        )
    ]


def _impact_notes(results: pd.DataFrame) -> list[str | None]:
    """The reason a KR got no estimate; "may be seasonal" when the KPI's history is too
    short to look for a yearly cycle; and "shared by N key results" when others of the
    quarter link the same KPI and segment (one estimate for all of them)."""
    shared = results["shared_by"] if "shared_by" in results else pd.Series(1, index=results.index)
    short = results["short_history"] if "short_history" in results else pd.Series(False, index=results.index)
    period = results["period"] if "period" in results else pd.Series("week", index=results.index)
    notes = []
    for reason, count, brief, unit in zip(results["reason"], shared, short, period, strict=True):
        parts = [] if pd.isna(reason) else [str(reason)]
        if brief and pd.isna(reason):
            years = "3 years" if unit == "month" else "2 years"
            parts.append(f"may be seasonal: under {years} of history to tell")
        if count > 1:
            parts.append(f"shared by {count} key results")
        notes.append("; ".join(parts) or None)
    return notes


def guardrails_table(worsened: pd.DataFrame, kpis: pd.DataFrame | None = None) -> HTML:
    """KPIs that worsened over the quarter, the effect in each KPI's unit."""
    if worsened.empty:
        return HTML("<p>No KPI worsened over the quarter by the impact test.</p>")
    units = (
        worsened["kpi_id"].map(kpis.set_index("kpi_id")["unit"])
        if kpis is not None
        else [None] * len(worsened)
    )
    frame = worsened.assign(
        kpi=names_with_ids(worsened["name"], worsened["kpi_id"]),
        effect_shown=in_units(_format.change, worsened["effect"], units),
    )
    columns = {
        "kpi": ("KPI", raw),
        "segment": ("Segment", text),
        "effect_shown": ("Effect", raw_number),
        "effect_pct": ("Effect %", lambda v: _format.DASH if pd.isna(v) else _format.signed_percent(v)),
        "linked": ("Linked to a KR", lambda v: "yes" if v else "no"),
    }
    return HTML(table(frame, columns))
