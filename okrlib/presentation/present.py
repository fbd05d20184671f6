"""HTML building blocks for the notebooks: tables, badges and prose, every user text escaped.

Nothing here computes a business number: each function formats frames that the compute
modules returned.  Every text that comes from a user's file goes through :func:`html.escape`,
so an objective titled ``<script>alert(1)</script>`` shows as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

import pandas as pd
from IPython.display import HTML

from ..analysis import lint, progress
from ..analysis.snapshot import QuarterSnapshot
from ..model import format_quarter
from . import _format
from ._display import HEADLINE_KEY, STYLE, decimal, number, percent
from ._html import (
    badge,
    grade_badge,
    heading,
    in_units,
    named,
    names_with_ids,
    paragraph,
    raw,
    raw_number,
    style,
    table,
    text,
    words,
)
from ._impact_tables import guardrails_table, impact_table
from ._objectives import REASONS, attention_table, kr_values, objectives_table
from ._rules_text import RULES
from ._sections import details  # collapsible groups of outputs
from ._sentences import calibration_sentences, grade_sentences
from .charts import HEALTH_COLORS, STATUS_COLORS

__all__ = [
    "STYLE",
    "decimal",
    "number",
    "percent",
    "REASONS",
    "alignment",
    "attention_table",
    "badge",
    "calibration_summary",
    "details",
    "findings_table",
    "grade_badge",
    "grade_summary",
    "guardrails_table",
    "heading",
    "headline",
    "health_table",
    "impact_table",
    "in_units",
    "kr_values",
    "lint_table",
    "missed_commitments_table",
    "named",
    "names_with_ids",
    "objectives_table",
    "odds_table",
    "paragraph",
    "raw",
    "raw_number",
    "rules",
    "sentences",
    "style",
    "table",
    "text",
    "title",
    "words",
]


def title(snapshot: QuarterSnapshot) -> HTML:
    """The report's title: team (or company) and quarter."""
    who = snapshot.team or "Company"
    return HTML(f"<h1>{escape(who)}: {format_quarter(snapshot.quarter)} quarterly review</h1>")


def headline(snapshot: QuarterSnapshot) -> HTML:
    """The report's opening figures, each tagged ``data-okr`` so tests can read them back.

    The output's metadata carries the same numbers as JSON (under ``okrlib_headline``):
    ``okrlib report`` reads them from the executed notebook for the quarter's index.
    While the quarter runs: progress against the progress expected by now and the objectives
    by pace; once it has ended: final progress, mean grade and the objectives done or missed.
    """
    numbers = snapshot.headline
    who = snapshot.team or "the company"
    quarter = format_quarter(snapshot.quarter)
    if snapshot.ended:
        statuses = progress.FINAL_STATUSES
        figures = [
            ("mean_progress", "Final progress", percent(numbers["mean_progress"])),
            ("mean_grade", "Mean grade", decimal(numbers["mean_grade"])),
        ]
        state = f"{quarter} has ended (figures as of {snapshot.as_of:%Y-%m-%d}): final results."
    else:
        statuses = progress.PACE_STATUSES
        figures = [
            ("mean_progress", "Overall progress", percent(numbers["mean_progress"])),
            ("expected_progress", "Expected by now", percent(numbers["expected_progress"])),
        ]
        state = f"{quarter} is under way (figures as of {snapshot.as_of:%Y-%m-%d})."
    figures += [
        ("objectives", "Objectives", str(numbers["objectives"])),
        ("key_results", "Key results", str(numbers["key_results"])),
        ("mean_confidence", "Mean confidence", percent(numbers["mean_confidence"], 0)),
    ]
    cards = "".join(
        f'<div class="okr-figure">{escape(label)}<b data-okr="{key}">{value}</b></div>'
        for key, label, value in figures
    )
    counts = ", ".join(
        f'<span data-okr="objectives_{s}">{numbers[f"objectives_{s}"]}</span> {s.replace("_", " ")}'
        for s in statuses
    )
    sentence = f"{state} Objectives of {escape(who)}: {counts}."
    plain = {key: _plain(value) for key, value in numbers.items()}
    return HTML(f'<div class="okr-card">{cards}</div><p>{sentence}</p>', metadata={HEADLINE_KEY: plain})


def _plain(value: object) -> object:
    """JSON-friendly headline values (periods and dates as text, numpy numbers as floats)."""
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, pd.Period):  # before dates: a Period has strftime too
        return format_quarter(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    as_float = float(value)
    return None if as_float != as_float else as_float


def alignment(snapshot: QuarterSnapshot) -> HTML:
    """The alignment tree as an indented list (parents before children)."""
    items = []
    for _, row in snapshot.alignment.iterrows():
        children = (
            f' <span class="okr-note">({row["children"]} aligned, mean progress '
            f"{percent(row['children_mean_progress'])})</span>"
            if row["children"]
            else ""
        )
        items.append(
            f'<li style="margin-left:{1.5 * row["depth"]}em">{"↳ " if row["depth"] else ""}'
            f"<b>{text(row['team'])}</b>: {text(row['objective'])} {badge(row['status'], STATUS_COLORS)} "
            f"{percent(row['progress'])}{children}</li>"
        )
    return HTML(f'<ul class="okr-tree">{"".join(items)}</ul>')


def _span(period: pd.Period) -> str:
    """``Sep 21–27``, or ``Aug 31–Sep 6`` across two months."""
    start, end = period.start_time, period.end_time
    return f"{start:%b %-d}–{end:%-d}" if start.month == end.month else f"{start:%b %-d}–{end:%b %-d}"


def health_table(health: pd.DataFrame) -> HTML:
    """KPI health: the latest complete period's value against the target, state and changes."""
    units = health["unit"]
    frame = health.assign(
        kpi=names_with_ids(health["name"], health["kpi_id"]),
        shown=in_units(_format.value, health["value"], units),
        target_shown=in_units(_format.value, health["target"], units),
        previous_shown=in_units(_format.change, health["change_vs_previous"], units),
        mean_shown=in_units(_format.value, health["rolling_mean_4"], units),
        week=health["period"].map(_span),
    )
    columns = {
        "kpi": ("KPI", raw),
        "segment": ("Segment", text),
        "week": ("Week", lambda v: f'<span class="okr-nowrap">{text(v)}</span>'),
        "shown": ("Value", raw_number),
        "target_shown": ("Target", raw_number),
        "status": ("State", lambda v: badge(v, HEALTH_COLORS)),
        "previous_shown": ("vs previous", raw_number),
        "change_vs_year_ago_pct": (
            "vs a year ago",
            lambda v: _format.DASH if pd.isna(v) else _format.signed_percent(v),
        ),
        "mean_shown": ("4-week mean", raw_number),
    }
    return HTML(table(frame, columns))


def findings_table(findings: pd.DataFrame) -> HTML:
    """Data-quality findings: those about this quarter's key results first, then those about
    the workbook as a whole (its files and KPIs), labelled as such."""
    if findings.empty:
        return HTML("<p>No data-quality findings for this quarter and view.</p>")
    frame = findings
    if "scope" in frame:
        frame = frame.assign(
            scope=frame["scope"].map({"quarter": "this quarter", "workbook": "whole workbook"})
        ).sort_values("scope", key=lambda s: s.ne("this quarter"), kind="stable")
    columns = {
        "scope": ("Concerns", text),
        "check": ("Check", words),
        "file": ("File", text),
        "line": ("Line", text),
        "subject": ("Subject", text),
        "message": ("Message", text),
    }
    return HTML(table(frame, columns))


def rules() -> HTML:
    """The rules the report uses, in plain words for analysts."""
    blocks = "".join(f"<h3>{escape(title)}</h3>{body}" for title, body in RULES)
    checks = "".join(f"<li>{escape(r.id)}: {escape(r.check)}.</li>" for r in lint.RULES.values())
    return HTML(f"{blocks}<h3>OKR quality</h3><p>How the goals are written:</p><ul>{checks}</ul>")


def odds_table(
    odds: pd.DataFrame, forecast: pd.DataFrame, key_results: pd.DataFrame, ended: bool = False
) -> HTML:
    """Forecast odds next to the straight-line forecast, values in the key result's unit;
    none once the quarter has ended (its results are final)."""
    if ended:
        return HTML(
            "<p>The quarter has ended: its results are final (see the table above), "
            "so there is nothing left to forecast.</p>"
        )
    if odds.empty:
        return HTML("<p>No key result has three check-ins in the quarter yet.</p>")
    frame = odds.merge(key_results[["kr_id", "key_result", "unit"]], on="kr_id").merge(
        forecast[["kr_id", "projected_progress"]], on="kr_id", how="left"
    )
    milestone = frame["kr_type"].eq("milestone")
    unit = frame["unit"].where(~milestone)

    def shown(column: str) -> list[str]:
        return [
            _format.percent(v, 0) if m else _format.value(v, u)
            for v, u, m in zip(frame[column], unit, milestone, strict=True)
        ]

    frame = frame.assign(
        kr=names_with_ids(frame["key_result"], frame["kr_id"]),
        target_shown=shown("target"),
        projected_shown=shown("projected_value"),
        interval=[f"{lo} to {hi}" for lo, hi in zip(shown("low"), shown("high"), strict=True)],
    )
    columns = {
        "kr": ("Key result", raw),
        "target_shown": ("Target", raw_number),
        "projected_shown": ("Projected end value", raw_number),
        "interval": ("80% interval", text),
        "probability": ("Chance of reaching target", lambda v: percent(v, 0)),
        "projected_progress": ("Straight-line forecast", percent),
    }
    return HTML(table(frame, columns))


def sentences(lines: Iterable[str]) -> HTML:
    """A list of escaped sentences."""
    return HTML("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")


def calibration_summary(scores: pd.DataFrame) -> HTML:
    """Each team's calibration in a sentence (:func:`okrlib.analysis.review.calibration`'s scores)."""
    return sentences(calibration_sentences(scores))


def grade_summary(teams: pd.DataFrame) -> HTML:
    """Each team's aspirational grades in a sentence (:func:`okrlib.analysis.review.grade_distribution`)."""
    return sentences(grade_sentences(teams))


def missed_commitments_table(missed: pd.DataFrame) -> HTML:
    """Committed objectives graded below 1.0."""
    if missed.empty:
        return HTML("<p>No committed objective missed 1.0.</p>")
    columns = {
        "quarter": ("Quarter", lambda q: format_quarter(q)),
        "team": ("Team", text),
        "objective": ("Objective", text),
        "grade": ("Grade", lambda v: decimal(v, 1)),
    }
    return HTML(table(missed, columns))


def lint_table(findings: pd.DataFrame) -> HTML:
    """OKR quality findings with how to fix each."""
    if findings.empty:
        return HTML("<p>No OKR quality findings.</p>")
    frame = findings.assign(
        subject=findings["kr_id"].fillna(findings["objective_id"]).fillna(findings["kpi_id"])
    )
    columns = {
        "rule": ("Rule", text),
        "severity": ("Severity", text),
        "team": ("Team", text),
        "subject": ("About", text),
        "message": ("Finding", text),
        "fix": ("How to fix it", text),
    }
    return HTML(table(frame, columns))
