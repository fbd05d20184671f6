"""The objectives table and the needs-attention list: key results in real values, what
changed, the latest check-in."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import pandas as pd
from IPython.display import HTML

from ..analysis.snapshot import QuarterSnapshot
from . import _format
from ._display import percent
from ._html import badge, grade_badge, names_with_ids, raw, table, text
from .charts import STATUS_COLORS


def kr_values(key_results: pd.DataFrame) -> list[str]:
    """Each key result's start, current value and target in its unit, such as
    ``$2.19M → $2.28M of $2.35M``; milestones as percent done; at_least / at_most as the
    current value against its line."""
    out = []
    columns = ("kr_type", "start", "current", "target", "unit")
    for kr_type, start, current, target, unit in zip(*(key_results[c] for c in columns), strict=True):
        now = _format.value(current, unit)
        if kr_type == "milestone":
            out.append(f"{_format.percent(current, 0)} done")
        elif kr_type in ("at_least", "at_most"):
            line = "at least" if kr_type == "at_least" else "at most"
            out.append(f"{now} ({line} {_format.value(target, unit)})")
        elif _format.is_missing(unit) or unit in _format.CURRENCIES or unit == "%":
            out.append(f"{_format.value(start, unit)} → {now} of {_format.value(target, unit)}")
        else:  # a word unit once, at the end: 0 → 39 of 40 deals
            plain = (_format.value(v) for v in (start, current, target))
            out.append("{} → {} of {} {}".format(*plain, unit))
    return [escape(item) for item in out]


def _change_pair(progress: object, confidence: object) -> str:
    """``+8 pts · conf. +10 pts``; a dash for what is not known."""
    if _format.is_missing(progress) and _format.is_missing(confidence):
        return _format.DASH
    conf = "" if _format.is_missing(confidence) else f" · conf. {_format.share_change(confidence)}"
    return f"{_format.share_change(progress)}{conf}"


def _changes(krs: pd.DataFrame, since: pd.Timestamp) -> list[str]:
    """Change of progress and confidence since the previous check-in and since ``since``."""
    columns = ["progress_change_checkin", "confidence_change_checkin"]
    columns += ["progress_change_since", "confidence_change_since"]
    return [
        f"{_change_pair(p_check, c_check)}<br>"
        f'<span class="okr-note">since {since:%b %-d}: {_change_pair(p_since, c_since)}</span>'
        for p_check, c_check, p_since, c_since in zip(*(krs[c] for c in columns), strict=True)
    ]


def _latest_checkin(krs: pd.DataFrame) -> list[str]:
    """The latest check-in's date, confidence and note (escaped)."""
    cells = []
    for date, confidence, note in zip(
        krs["last_checkin_date"], krs["last_confidence"], krs["last_note"], strict=True
    ):
        if pd.isna(date):
            cells.append('<span class="okr-note">no check-in</span>')
            continue
        conf = "" if pd.isna(confidence) else f" · {_format.percent(confidence, 0)}"
        said = "" if pd.isna(note) else f"<br>{text(note)}"
        cells.append(f"{date:%b %-d}{conf}{said}")
    return cells


def objectives_table(snapshot: QuarterSnapshot) -> HTML:
    """Objectives (with owner) each followed by its key results: status (final once the
    quarter has ended), progress in real values, confidence, what changed, the latest
    check-in, and the forecast (while the quarter runs) or the grade (once it has ended)."""
    krs = snapshot.key_results.merge(
        snapshot.forecast[["kr_id", "projected_progress"]], on="kr_id", how="left"
    )
    krs = krs.assign(
        title=names_with_ids(krs["key_result"], krs["kr_id"]),
        values=kr_values(krs),
        changes=_changes(krs, snapshot.since),
        latest=_latest_checkin(krs),
    )
    objectives = snapshot.objectives
    objectives = objectives.assign(
        title=[
            f'{text(o)}<br><span class="okr-note">{text(team)} · owner {text(owner)} · {text(c)}</span>'
            for o, team, owner, c in zip(
                objectives["objective"],
                objectives["team"],
                objectives["owner"],
                objectives["commitment"],
                strict=True,
            )
        ],
        confidence=objectives["mean_confidence"],
        kr_id="",
    )
    # each objective followed by its key results: order by (objective's position, objective first)
    position = pd.Series(range(len(objectives)), index=objectives["objective_id"].to_numpy())
    frame = pd.concat(
        [
            objectives.assign(kind="objective", _position=position.to_numpy(), _kr=0),
            krs.assign(kind="kr", _position=krs["objective_id"].map(position), _kr=1),
        ],
        ignore_index=True,
    )
    frame = frame[frame["_position"].notna()].sort_values(["_position", "_kr"], kind="stable")
    flag = frame["missed_commitment"].fillna(False).astype(bool)
    frame["state"] = [
        badge(status, STATUS_COLORS) + ('<br><span class="okr-flag">⚑ committed</span>' if missed else "")
        for status, missed in zip(frame["status"], flag, strict=True)
    ]
    expected = "" if snapshot.ended else f" (expected {percent(snapshot.expected_progress)})"
    columns: dict[str, tuple[str, Callable[[object], str]]] = {
        "title": ("Objective / key result", raw),
        "state": ("Result" if snapshot.ended else "Status", raw),
        "progress": (f"Progress{expected}", percent),
        "values": ("Start → now of target", raw),
    }
    columns["confidence"] = ("Confidence", lambda v: percent(v, 0))
    columns["changes"] = ("Change since check-in", raw)
    columns["latest"] = ("Latest check-in", raw)
    if snapshot.ended:
        frame["grade_shown"] = [
            grade_badge(g, b) for g, b in zip(frame["grade"], frame["grade_band"], strict=True)
        ]
        columns["grade_shown"] = ("Grade", raw)
    else:
        columns["projected_progress"] = ("Forecast", percent)
    return HTML(table(frame, columns, frame["kind"].tolist()))


REASONS = {
    "missed_commitment": "committed, and missed",
    "committed_behind": "committed, and behind ({status})",
    "confidence_drop": "confidence dropped {drop} at the last check-in",
    "stale": "no check-in for {days} days",
    "kpi_worsened": "its KPI worsened since the quarter started",
}


def _reason_line(reasons: tuple[str, ...], row: dict[str, object]) -> str:
    parts = []
    for reason in reasons:
        if reason == "stale" and pd.isna(row["days_since_checkin"]):
            parts.append("no check-in yet")
            continue
        parts.append(
            REASONS[reason].format(
                status=str(row["status"]).replace("_", " "),
                drop=_format.share_change(row["confidence_change_checkin"]),
                days=int(row["days_since_checkin"]) if not pd.isna(row["days_since_checkin"]) else "",
            )
        )
    return "; ".join(parts)


def attention_table(attention: pd.DataFrame, limit: int = 8) -> HTML:
    """The key results that most need a decision (:func:`okrlib.analysis.changes.needs_attention`),
    each with its reasons in one line; at most ``limit`` of them, the rest counted."""
    if attention.empty:
        return HTML(
            "<p>No key result needs a decision: none is committed and behind, none lost "
            "confidence, every one has a recent check-in, and no linked KPI worsened.</p>"
        )
    shown = attention.head(limit)
    frame = shown.assign(
        title=names_with_ids(shown["key_result"], shown["kr_id"]),
        why=[
            escape(_reason_line(r, row))
            for r, row in zip(shown["reasons"], shown.to_dict("records"), strict=True)
        ],
        values=kr_values(shown),
    )
    columns = {
        "title": ("Key result", raw),
        "team": ("Team", text),
        "owner": ("Owner", text),
        "status": ("Status", lambda v: badge(v, STATUS_COLORS)),
        "values": ("Start → now of target", raw),
        "why": ("Why it needs attention", raw),
    }
    more = len(attention) - len(shown)
    tail = f'<p class="okr-note">…and {more} more in the table below.</p>' if more > 0 else ""
    return HTML(table(frame, columns) + tail)
