"""HTML building blocks for the notebooks: tables, badges and prose, every user text escaped.

Nothing here computes a business number: each function formats frames that the compute
modules returned.  Every text that comes from a user's file goes through :func:`html.escape`,
so an objective titled ``<script>alert(1)</script>`` shows as text.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from html import escape

import pandas as pd
from IPython.display import HTML

from . import impact, kpi, lint, progress, review
from ._display import HEADLINE_KEY, STYLE, decimal, number, percent
from ._parse import format_quarter
from .charts import HEALTH_COLORS, STATUS_COLORS, VERDICT_COLORS
from .snapshot import QuarterSnapshot


def style() -> HTML:
    """The CSS the other blocks use (show it once at the top of a notebook)."""
    return HTML(STYLE)


def badge(value: object, colors: dict[str, str]) -> str:
    """A coloured label such as ``on track``."""
    if value is None or pd.isna(value):
        return "–"
    text = str(value)
    color = colors.get(text, "#757575")
    ink = "#222" if color in ("#e6ab02", "#7fbf7b", "#bdbdbd", "#f1a340") else "#fff"
    label = escape(text.replace("_", " "))
    return f'<span class="okr-badge" style="background:{color};color:{ink}">{label}</span>'


def heading(text: str, level: int = 3) -> HTML:
    """An escaped heading (for titles taken from the data)."""
    return HTML(f"<h{level}>{escape(str(text))}</h{level}>")


def paragraph(text: str) -> HTML:
    """An escaped paragraph."""
    return HTML(f"<p>{escape(text)}</p>")


def table(
    frame: pd.DataFrame,
    columns: dict[str, tuple[str, Callable[[object], str]]],
    row_class: Iterable[str] | None = None,
) -> str:
    """An HTML table; each column maps to (header, formatter returning HTML).  Use :func:`text`
    for user text so it is escaped."""
    head = "".join(f"<th>{escape(title)}</th>" for title, _ in columns.values())
    classes = list(row_class) if row_class is not None else [""] * len(frame)
    formats = [(fmt, "num" if fmt in (percent, number, decimal) else "") for _, fmt in columns.values()]
    values = [frame[name].tolist() if name in frame else [None] * len(frame) for name in columns]
    rows = []
    for css, row in zip(classes, zip(*values, strict=True), strict=True):  # column by column, not iterrows
        cells = (
            f'<td class="{kind}">{fmt(value)}</td>' if kind else f"<td>{fmt(value)}</td>"
            for (fmt, kind), value in zip(formats, row, strict=True)
        )
        rows.append(f'<tr class="{css}">' + "".join(cells) + "</tr>")
    return f'<table class="okr-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def text(value: object) -> str:
    """Escaped text; missing -> empty."""
    return "" if value is None or pd.isna(value) else escape(str(value))


def title(snapshot: QuarterSnapshot) -> HTML:
    """The report's title: team (or company) and quarter."""
    who = snapshot.team or "Company"
    return HTML(f"<h1>{escape(who)}: {format_quarter(snapshot.quarter)} quarterly review</h1>")


def headline(snapshot: QuarterSnapshot) -> HTML:
    """The report's opening figures, each tagged ``data-okr`` so tests can read them back.

    The output's metadata carries the same numbers as JSON (under ``okrlib_headline``):
    ``okrlib report`` reads them from the executed notebook for the quarter's index.
    """
    numbers = snapshot.headline
    who = snapshot.team or "the company"
    figures = [
        ("mean_progress", "Overall progress", percent(numbers["mean_progress"])),
        ("expected_progress", "Expected by now", percent(numbers["expected_progress"])),
        ("objectives", "Objectives", str(numbers["objectives"])),
        ("key_results", "Key results", str(numbers["key_results"])),
        ("mean_confidence", "Mean confidence", percent(numbers["mean_confidence"], 0)),
    ]
    if snapshot.ended:
        figures.append(("mean_grade", "Mean grade", decimal(numbers["mean_grade"])))
    cards = "".join(
        f'<div class="okr-figure">{escape(label)}<b data-okr="{key}">{value}</b></div>'
        for key, label, value in figures
    )
    counts = ", ".join(
        f'<span data-okr="objectives_{s}">{numbers[f"objectives_{s}"]}</span> {s.replace("_", " ")}'
        for s in progress.STATUSES
    )
    state = "ended" if snapshot.ended else "is under way"
    sentence = (
        f"{format_quarter(snapshot.quarter)} {state} (figures as of {snapshot.as_of:%Y-%m-%d}). "
        f"Objectives of {escape(who)} by status: {counts}."
    )
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


def objectives_table(snapshot: QuarterSnapshot) -> HTML:
    """Objectives, each followed by its key results: status, progress, expected, confidence, forecast."""
    krs = snapshot.key_results.merge(
        snapshot.forecast[["kr_id", "projected_progress"]], on="kr_id", how="left"
    )
    objectives = snapshot.objectives.assign(
        kr_id="",
        title=snapshot.objectives["objective"],
        confidence=snapshot.objectives["mean_confidence"],
        projected_progress=None,
    )
    # each objective followed by its key results: order by (objective's position, objective first)
    position = pd.Series(range(len(objectives)), index=objectives["objective_id"].to_numpy())
    frame = pd.concat(
        [
            objectives.assign(kind="objective", _position=position.to_numpy(), _kr=0),
            krs.assign(
                title=krs["key_result"], kind="kr", _position=krs["objective_id"].map(position), _kr=1
            ),
        ],
        ignore_index=True,
    )
    frame = frame[frame["_position"].notna()].sort_values(["_position", "_kr"], kind="stable")
    columns = {
        "kr_id": ("KR", text),
        "title": ("Objective / key result", text),
        "status": ("Status", lambda v: badge(v, STATUS_COLORS)),
        "progress": ("Progress", percent),
        "expected_progress": ("Expected", percent),
        "confidence": ("Confidence", lambda v: percent(v, 0)),
        "projected_progress": ("Forecast", percent),
        "grade": ("Grade", lambda v: decimal(v, 1)),
    }
    return HTML(table(frame, columns, frame["kind"].tolist()))


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


def health_table(health: pd.DataFrame) -> HTML:
    """KPI health: latest complete period, status and changes."""
    columns = {
        "name": ("KPI", text),
        "segment": ("Segment", text),
        "period": ("Period", text),
        "value": ("Value", number),
        "unit": ("Unit", text),
        "status": ("Health", lambda v: badge(v, HEALTH_COLORS)),
        "target": ("Target", number),
        "change_vs_previous": ("vs previous", number),
        "change_vs_year_ago_pct": (
            "vs a year ago",
            lambda v: "–" if pd.isna(v) else f"{float(v):+.1f}%",
        ),
        "rolling_mean_4": ("4-period mean", number),
    }
    return HTML(table(health, columns))


def impact_table(results: pd.DataFrame) -> HTML:
    """Each hypothesis: what the KR reached next to what its KPI did."""
    frame = results.assign(
        interval=[
            "–" if pd.isna(lo) else f"{number(lo)} to {number(hi)}"
            for lo, hi in zip(results["effect_low"], results["effect_high"], strict=True)
        ],
        note=results["reason"],
    )
    columns = {
        "kr_id": ("KR", text),
        "key_result": ("Key result", text),
        "progress": ("KR progress", percent),
        "kpi_id": ("KPI", text),
        "segment": ("Segment", text),
        "effect": ("Effect", number),
        "interval": ("95% interval", text),
        "effect_pct": ("Effect %", lambda v: "–" if pd.isna(v) else f"{float(v):+.1f}%"),
        "verdict": ("KPI verdict", lambda v: badge(v, VERDICT_COLORS)),
        "did_verdict": ("vs other segments", lambda v: badge(v, VERDICT_COLORS)),
        "note": ("Note", text),
    }
    return HTML(table(frame, columns))


def guardrails_table(worsened: pd.DataFrame) -> HTML:
    """KPIs that worsened over the quarter."""
    if worsened.empty:
        return HTML("<p>No KPI worsened over the quarter by the impact test.</p>")
    columns = {
        "name": ("KPI", text),
        "segment": ("Segment", text),
        "effect": ("Effect", number),
        "effect_pct": ("Effect %", lambda v: "–" if pd.isna(v) else f"{float(v):+.1f}%"),
        "linked": ("Linked to a KR", lambda v: "yes" if v else "no"),
    }
    return HTML(table(worsened, columns))


def findings_table(findings: pd.DataFrame) -> HTML:
    """Data-quality findings: accepted by the contract, worth a reader's eye."""
    if findings.empty:
        return HTML("<p>No data-quality findings.</p>")
    columns = {
        "check": ("Check", text),
        "file": ("File", text),
        "line": ("Line", text),
        "subject": ("Subject", text),
        "message": ("Message", text),
    }
    return HTML(table(findings, columns))


def rules() -> HTML:
    """The exact rules used, quoted from the modules that apply them."""
    parts = [
        ("Progress, status, forecast and grades", progress.__doc__),
        ("KPI aggregation and readings", kpi.__doc__),
        ("KPI health", inspect.getdoc(kpi.health_status)),
        ("Impact", impact.__doc__),
        ("Forecast odds, confidence calibration and grade distributions", review.__doc__),
        (
            "OKR quality rules",
            "\n".join(f"{r.id} {r.name} ({r.severity}): {r.check}." for r in lint.RULES.values()),
        ),
    ]
    blocks = "".join(
        f"<h3>{escape(title)}</h3><pre style='white-space:pre-wrap'>{escape(inspect.cleandoc(doc))}</pre>"
        for title, doc in parts
    )
    return HTML(blocks)


def odds_table(odds: pd.DataFrame, forecast: pd.DataFrame, key_results: pd.DataFrame) -> HTML:
    """Forecast odds next to the straight-line forecast."""
    if odds.empty:
        return HTML("<p>No key result has three check-ins in the quarter yet.</p>")
    frame = odds.merge(key_results[["kr_id", "key_result"]], on="kr_id").merge(
        forecast[["kr_id", "projected_progress"]], on="kr_id", how="left"
    )
    frame["interval"] = [
        f"{number(lo)} to {number(hi)}" for lo, hi in zip(frame["low"], frame["high"], strict=True)
    ]
    columns = {
        "kr_id": ("KR", text),
        "key_result": ("Key result", text),
        "target": ("Target", number),
        "projected_value": ("Projected end value", number),
        "interval": ("80% interval", text),
        "probability": ("Chance of reaching target", lambda v: percent(v, 0)),
        "projected_progress": ("Straight-line forecast", percent),
    }
    return HTML(table(frame, columns))


def sentences(lines: Iterable[str]) -> HTML:
    """A list of escaped sentences."""
    return HTML("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")


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


from ._sections import details  # noqa: E402,F401  (collapsible groups of outputs: okrlib._sections)
