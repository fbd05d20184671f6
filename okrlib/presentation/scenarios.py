"""What-if scenarios as the review meeting leaves them, and their Markdown export.

:func:`scenarios` lists the objectives a meeting edited or wrote a note about, with each
change (from what to what), the resulting progress and grade, and the note;
:func:`export_markdown` writes them as Markdown in which no text from a user's file can
break the document's structure (:func:`markdown_inline`, :func:`markdown_quote`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from ..analysis import QuarterSnapshot, WhatIf, progress
from . import _format, present

__all__ = ["Change", "Scenario", "export_markdown", "markdown_inline", "markdown_quote", "scenarios"]


@dataclass(frozen=True)
class Change:
    """One what-if edit: a key result's current value or target, from what to what (formatted)."""

    kr_id: str
    key_result: str
    what: str  # "current value" or "target"
    before: str
    after: str


@dataclass(frozen=True)
class Scenario:
    """An objective as the meeting left it: its what-if edits, the resulting numbers, the note."""

    objective_id: str
    objective: str
    changes: tuple[Change, ...]
    progress_before: float
    progress_after: float
    grade_before: float
    grade_after: float
    band_after: str | None
    forecast_grade: float
    note: str


def scenarios(
    snapshot: QuarterSnapshot,
    result: WhatIf,
    current: Mapping[str, float],
    target: Mapping[str, float],
    notes: Mapping[str, str] | None = None,
) -> list[Scenario]:
    """The objectives of ``snapshot`` that the meeting edited or wrote a note about.

    Parameters
    ----------
    snapshot : the view as loaded.
    result : :func:`okrlib.analysis.whatif.what_if` of ``snapshot`` with ``current`` and ``target``.
    current, target : the what-if edits by kr_id.
    notes : the notes typed during the meeting, by objective_id (blank ones are ignored).

    Returns
    -------
    list of Scenario, in the snapshot's order of objectives.  The grade is the progress
    rounded to one decimal (:func:`okrlib.analysis.progress.grade`): the final grade once the quarter
    has ended, the grade it would get at this progress while it runs.
    """
    notes = {k: v for k, v in (notes or {}).items() if v and v.strip()}
    krs = snapshot.key_results.set_index("kr_id")
    edits: dict[str, list[Change]] = {}
    for overrides, what, column in ((current, "current value", "current"), (target, "target", "target")):
        for kr_id, value in overrides.items():
            if kr_id not in krs.index:
                continue
            row = krs.loc[kr_id]
            before, after = _value(row[column], row), _value(value, row)
            if before != after:
                change = Change(kr_id, str(row["key_result"]), what, before, after)
                edits.setdefault(str(row["objective_id"]), []).append(change)
    before = snapshot.objectives.set_index("objective_id")
    after = result.objectives.set_index("objective_id")
    chosen = [o for o in snapshot.objectives["objective_id"] if o in edits or o in notes]
    if not chosen:
        return []
    grades_before = progress.grade(before.loc[chosen, "progress"])
    grades_after = progress.grade(after.loc[chosen, "progress"])
    bands = progress.grade_band(grades_after)
    return [
        Scenario(
            objective_id=o,
            objective=str(after.at[o, "objective"]),
            changes=tuple(edits.get(o, ())),
            progress_before=float(before.at[o, "progress"]),
            progress_after=float(after.at[o, "progress"]),
            grade_before=float(grades_before[o]),
            grade_after=float(grades_after[o]),
            band_after=None if pd.isna(bands[o]) else str(bands[o]),
            forecast_grade=float(after.at[o, "forecast_grade"]),
            note=notes.get(o, ""),
        )
        for o in chosen
    ]


def _value(value: object, row: pd.Series) -> str:
    if row["kr_type"] == "milestone":
        return f"{_format.percent(value, 0)} done"
    return _format.value(value, row["unit"])


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&=])")


def markdown_inline(text: object) -> str:
    """Text from a data file as literal Markdown on one line: every punctuation character
    that Markdown (or HTML inside it) reads is backslash-escaped, line breaks become spaces."""
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def markdown_quote(text: str) -> str:
    """A note typed in the meeting as a Markdown block quote that it cannot leave: each line
    escaped (:func:`markdown_inline`) and quoted, blank lines kept inside the quote."""
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {markdown_inline(line)}".rstrip() for line in lines)


def export_markdown(
    found: list[Scenario], quarter: str, team: str | None, when: datetime | None = None
) -> str:
    """The meeting's scenarios and notes as a Markdown document.

    Parameters
    ----------
    found : :func:`scenarios`.
    quarter : the quarter as shown, ``2026-Q3``.
    team : the team, None for the whole company.
    when : the export's time (default: now, UTC).

    Returns
    -------
    str
    """
    when = when or datetime.now(UTC)
    who = "the whole company" if team is None else markdown_inline(team)
    lines = [
        f"# Review meeting: {who}, {markdown_inline(quarter)}",
        "",
        f"Exported {when:%Y-%m-%d %H:%M} UTC. What-if values are scenarios: the data files are unchanged.",
    ]
    if not found:
        lines += ["", "No what-if change and no note in this meeting."]
    for item in found:
        lines += ["", f"## {markdown_inline(item.objective)}", ""]
        lines += [
            f"- {markdown_inline(c.key_result)}: {c.what} {markdown_inline(c.before)} → "
            f"{markdown_inline(c.after)}"
            for c in item.changes
        ] or ["- no what-if change"]
        band = f" ({item.band_after})" if item.band_after else ""
        before, after = _format.percent(item.progress_before), _format.percent(item.progress_after)
        lines += [
            f"- progress {before} → **{after}**,"
            f" grade {item.grade_before:.1f} → **{item.grade_after:.1f}**{band},"
            f" forecast grade {present.decimal(item.forecast_grade, 1)}",
        ]
        if item.note:
            lines += ["", "Note:", "", markdown_quote(item.note)]
    return "\n".join(lines) + "\n"
