"""The review meeting as an agenda a room follows, served by ``okrlib meeting`` (Voilà).

:class:`Agenda` is :class:`okrlib.widgets.ReviewMeeting` (quarter and team pickers, the
objectives' scorecard, the what-if sliders) walked objective by objective with *Previous*
and *Next*: each objective shows its key results in real values with owner and latest
check-in note, the linked KPIs' charts with the quarter shaded, the impact verdicts and the
what-if panel, in type large enough for the back of a room.  A notes box keeps what the room
said about each objective; *Export* writes the meeting's what-if scenarios and notes to
``<out_dir>/<quarter>/<team>-meeting.md`` (:func:`write_export`: atomically, never over an
earlier export).  Nothing is ever written to the data files.

:func:`app` is what the meeting notebook calls: the agenda, or the data's problems as people
read them when the data folder is bad.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as ipw
import pandas as pd

from . import _format, charts, kpi, present, progress
from ._frames import isin
from ._parse import format_quarter, parse_quarter
from .exceptions import DataError, OkrlibError
from .snapshot import QuarterSnapshot
from .whatif import WhatIf
from .widgets import ReviewMeeting, _Shown
from .workbook import Workbook

__all__ = [
    "CSS",
    "Agenda",
    "Change",
    "Scenario",
    "app",
    "error_view",
    "export_markdown",
    "markdown_inline",
    "markdown_quote",
    "scenarios",
    "write_export",
]

HISTORY_WEEKS = 26  # the KPI chart: the half year before the quarter, then the quarter

# large type for a room: body text, tables and widgets (ipywidgets' own CSS variables)
CSS = """<style>
.okr-meeting { font-size: 22px; line-height: 1.4; --jp-widgets-font-size: 20px;
  --jp-widgets-inline-height: 40px; --jp-widgets-inline-label-width: 120px; }
.okr-meeting .okr-table { font-size: 19px; }
.okr-meeting .okr-note { font-size: 17px; }
.okr-meeting h2.okr-objective { font-size: 40px; margin: 0.3em 0 0.1em; }
.okr-meeting .okr-position { font-size: 22px; color: #555; }
.okr-meeting .widget-button { font-size: 20px; height: 44px; width: auto; min-width: 148px; padding: 0 1em; }
.okr-meeting textarea { font-size: 20px; }
.okr-meeting .vega-embed { display: block; width: 100%; max-width: 1200px; }
.okr-meeting .vega-embed svg.marks { width: 100%; height: auto; }
</style>"""


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
    result : :func:`okrlib.whatif.what_if` of ``snapshot`` with ``current`` and ``target``.
    current, target : the what-if edits by kr_id.
    notes : the notes typed during the meeting, by objective_id (blank ones are ignored).

    Returns
    -------
    list of Scenario, in the snapshot's order of objectives.  The grade is the progress
    rounded to one decimal (:func:`okrlib.progress.grade`): the final grade once the quarter
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


def write_export(text: str, folder: Path | str, slug: str) -> Path:
    """Write ``text`` to ``folder/<slug>-meeting.md``, or ``-meeting-2.md``, ``-3``... if taken.

    The text goes to a temporary file first, which is then linked under the first free
    name (a link never replaces an existing file), so a reader never sees half a file and an
    earlier export is never overwritten, even by two exports at once.

    Returns
    -------
    Path of the file written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{slug}-meeting.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        number = 1
        while True:
            path = folder / (f"{slug}-meeting.md" if number == 1 else f"{slug}-meeting-{number}.md")
            try:
                os.link(temporary, path)
                return path
            except FileExistsError:
                number += 1
    finally:
        Path(temporary).unlink(missing_ok=True)


_SHARED_TABLE_COLUMNS = ("objective_id", "status", "missed_commitment", "progress", "grade", "grade_band")
_KR_TABLE_COLUMNS = (
    *_SHARED_TABLE_COLUMNS,
    *("kr_id", "key_result", "kr_type", "start", "current", "target", "unit", "confidence"),
    *("progress_change_checkin", "confidence_change_checkin", "progress_change_since"),
    *("confidence_change_since", "last_checkin_date", "last_confidence", "last_note"),
)
_OBJECTIVE_TABLE_COLUMNS = (
    *_SHARED_TABLE_COLUMNS,
    *("objective", "team", "owner", "commitment", "mean_confidence"),
)


class Agenda(ReviewMeeting):
    """The review meeting walked objective by objective (see the module's docstring).

    Attributes (besides :class:`okrlib.widgets.ReviewMeeting`'s)
    ----------------------------------------------------------
    previous, next, export_button : the buttons.
    note : the notes box of the objective shown; ``notes`` keeps every note by objective_id.
    header_view, key_results_view, impact_view, export_view : HTML widgets shown now.
    kpi_view : the KPI charts; ``kpi_charts`` the altair charts it shows.
    out_dir : where exports go (``<out_dir>/<quarter>/``).

    ReviewMeeting's ``detail_view`` (check-in charts, forecast odds, impact table) is not
    drawn: the agenda shows the objective's key results, KPIs and verdicts itself.
    """

    def __init__(
        self,
        workbook: Workbook,
        quarter: str | None = None,
        team: str | None = None,
        out_dir: Path | str = "reports",
    ):
        self.out_dir = Path(out_dir)
        self.notes: dict[str, str] = {}
        self.kpi_charts: list[object] = []
        self.previous = ipw.Button(description="Previous", icon="arrow-left")
        self.next = ipw.Button(description="Next", icon="arrow-right")
        self.position = ipw.HTML()
        self.header_view = ipw.HTML()
        self.key_results_view = ipw.HTML()
        self.impact_view = ipw.HTML()
        self.kpi_view = _Shown()
        self.note = ipw.Textarea(
            placeholder="Notes for this objective (exported with the scenarios)",
            layout={"width": "100%", "height": "6em"},
        )
        self.export_button = ipw.Button(description="Export scenarios and notes", icon="download")
        self.export_view = ipw.HTML()
        self._stash: dict[tuple, tuple[dict[str, float], dict[str, float]]] = {}
        self._view: tuple | None = None
        self._shown_objective: object = None
        super().__init__(workbook, quarter, team)
        self.previous.on_click(lambda _b: self.step(-1))
        self.next.on_click(lambda _b: self.step(1))
        self.note.observe(self._on_note, names="value")
        self.export_button.on_click(lambda _b: self._on_export())

    # --- navigation -------------------------------------------------------------------------

    def step(self, by: int) -> None:
        """Show the objective ``by`` places after (negative: before) the one shown."""
        ids = [value for _, value in self.objective.options]
        if not ids:
            return
        at = ids.index(self.objective.value) if self.objective.value in ids else 0
        self.objective.value = ids[min(max(at + by, 0), len(ids) - 1)]

    # --- ReviewMeeting's steps, extended ------------------------------------------------------

    def _load(self) -> None:
        """As ReviewMeeting's, keeping each view's what-ifs: back on a team, its edits return."""
        if self._view is not None:
            self._stash[self._view] = (dict(self.current_overrides), dict(self.target_overrides))
        self._view = (self.quarter.value, self.team_name)
        self._shown_objective = None
        super()._load()
        current, target = self._stash.pop(self._view, ({}, {}))
        if current or target:
            self.current_overrides.update(current)
            self.target_overrides.update(target)
            with self._silently():
                self._build_sliders()
            self._recompute()
            self._draw_detail()

    def _build_sliders(self) -> None:
        """As ReviewMeeting's, the sliders and boxes then showing the what-ifs already made."""
        super()._build_sliders()
        quiet, self._quiet = self._quiet, True
        try:
            for kr_id, value in self.current_overrides.items():
                if kr_id in self.sliders:
                    self.sliders[kr_id].value = value
            for kr_id, value in self.target_overrides.items():
                if kr_id in self.targets:
                    self.targets[kr_id].value = value
        finally:
            self._quiet = quiet

    def _draw_detail(self) -> None:
        """The agenda in place of ReviewMeeting's detail (its check-in charts, odds and impact
        tables): the agenda shows the key results, KPIs and verdicts itself, and a what-if
        change then redraws only what it moves."""
        self._draw_agenda()

    # --- the agenda ---------------------------------------------------------------------------

    def _draw_agenda(self) -> None:
        """The objective shown: header, key results (with what-ifs), impact, KPI charts, note."""
        chosen = self.objective.value
        ids = [value for _, value in self.objective.options]
        at = ids.index(chosen) if chosen in ids else -1
        self.previous.disabled = at <= 0
        self.next.disabled = at < 0 or at >= len(ids) - 1
        view = f"{'the whole company' if self.team_name is None else self.team_name}, "
        view += format_quarter(self.snapshot.quarter)
        if chosen is None:
            self.position.value = f'<span class="okr-position">{present.text(view)}</span>'
            self.header_view.value = "<p>No objectives in this view.</p>"
            self.key_results_view.value = self.impact_view.value = ""
            self.kpi_charts = []
            self.kpi_view.show()
            return
        self.position.value = (
            f'<span class="okr-position">{present.text(view)}: objective {at + 1} of {len(ids)}</span>'
        )
        objective = self.objectives[self.objectives["objective_id"] == chosen]
        row = objective.iloc[0]
        self.header_view.value = (
            f'<h2 class="okr-objective">{present.text(row["objective"])}</h2>'
            f"<p>{present.text(row['team'])} · owner <b>{present.text(row['owner'])}</b> · "
            f"{present.text(row['commitment'])} · {present.badge(row['status'], charts.STATUS_COLORS)} "
            f"progress <b>{present.percent(row['progress'])}</b></p>"
        )
        krs = self.key_results[self.key_results["objective_id"] == chosen]
        # only the columns present.objectives_table reads: its concat of the two frames then
        # costs a third (this runs on every what-if change)
        shown = dataclasses.replace(
            self.snapshot,
            key_results=krs[[c for c in _KR_TABLE_COLUMNS if c in krs]],
            objectives=objective[[c for c in _OBJECTIVE_TABLE_COLUMNS if c in objective]],
        )
        self.key_results_view.value = present.STYLE + present.objectives_table(shown).data
        if chosen != self._shown_objective:
            self._shown_objective = chosen
            self._draw_objective(krs)

    def _draw_objective(self, krs: pd.DataFrame) -> None:
        """What changes only with the objective: impact verdicts, KPI charts, the note."""
        linked = self.impact[isin(self.impact["kr_id"], krs["kr_id"])]
        kpis = self.snapshot.workbook.kpis
        self.impact_view.value = (
            present.impact_table(linked, kpis).data
            if len(linked)
            else "<p>No key result of this objective links a KPI.</p>"
        )
        self.kpi_charts = self._kpi_charts(krs)
        self.kpi_view.show(*self.kpi_charts)
        quiet, self._quiet = self._quiet, True
        try:
            self.note.value = self.notes.get(self.objective.value, "")
        finally:
            self._quiet = quiet

    def _kpi_charts(self, krs: pd.DataFrame) -> list[object]:
        """Each linked KPI's weekly values (the whole and the key results' segments), the
        half year before the quarter and the quarter so far, the quarter shaded."""
        linked = krs[krs["kpi_id"].notna()]
        if linked.empty:
            return []
        workbook = self.snapshot.workbook
        quarter = self.snapshot.quarter
        since = quarter.start_time.normalize() - pd.Timedelta(weeks=HISTORY_WEEKS)
        history = workbook.kpi_history
        history = history[isin(history["kpi_id"], linked["kpi_id"]) & (history["date"] >= since)]
        segments = {"all", *linked["segment"].dropna()}
        history = history[isin(history["segment"], pd.Series(sorted(segments)))]
        weekly = kpi.aggregate(history, workbook.kpis, "week", complete_by=self.snapshot.as_of)
        shaded = charts.quarter_shading([quarter])
        rows = workbook.kpis.set_index("kpi_id", drop=False)
        return [
            charts.kpi_trend_chart(weekly[weekly["kpi_id"] == kpi_id], rows.loc[kpi_id], shaded, "week")
            for kpi_id in dict.fromkeys(linked["kpi_id"])
            if kpi_id in rows.index
        ]

    def _on_note(self, change: dict) -> None:
        if not self._quiet and self.objective.value is not None:
            self.notes[self.objective.value] = change["new"]

    # --- export -------------------------------------------------------------------------------

    def scenarios(self) -> list[Scenario]:
        """This view's objectives that the meeting edited or wrote a note about."""
        overrides = (self.current_overrides, self.target_overrides)
        return scenarios(self.snapshot, self.result, *overrides, self.notes)

    def export(self) -> Path:
        """Write this view's scenarios and notes to ``<out_dir>/<quarter>/<team>-meeting.md``.

        The team's file name is the report's slug (:func:`okrlib.report._slugs`, settled
        over the quarter's teams); an earlier export is never overwritten (``-meeting-2.md``...).
        """
        from .report import _slugs

        team, label = self.team_name, format_quarter(self.snapshot.quarter)
        slug = _slugs([team], self.workbook.teams(self.snapshot.quarter))[team]
        text = export_markdown(self.scenarios(), label, team)
        return write_export(text, self.out_dir / label, slug)

    def _on_export(self) -> None:
        try:
            path = self.export()
        except OSError as error:
            self.export_view.value = f"<p>Could not export: {present.text(error)}</p>"
            return
        self.export_view.value = f"<p>Exported to <code>{present.text(path)}</code></p>"

    @property
    def panel(self) -> ipw.VBox:
        """The agenda, laid out for a room."""
        box = ipw.VBox(
            [
                ipw.HTML(CSS + present.STYLE),
                ipw.HBox([self.quarter, self.team], layout={"flex_flow": "row wrap"}),
                self.progress_view,
                ipw.HBox([self.previous, self.next, self.objective], layout={"flex_flow": "row wrap"}),
                self.position,
                self.header_view,
                self.key_results_view,
                self.kpi_view,
                ipw.HTML("<h3>Did the key results move their KPIs?</h3>"),
                self.impact_view,
                ipw.HTML(
                    "<h3>What if…</h3><p>Move a key result's current value or change its target; "
                    "release the slider to recompute. The data files are never changed.</p>"
                ),
                self.sliders_box,
                self.reset,
                self.what_if_view,
                ipw.HTML("<h3>Notes</h3>"),
                self.note,
                ipw.HBox([self.export_button, self.export_view]),
            ]
        )
        box.add_class("okr-meeting")
        return box


def error_view(error: Exception) -> ipw.HTML:
    """An error as people read it: a bad data folder's problems, one per line, escaped."""
    if isinstance(error, DataError):
        problems = "".join(f"<li>{present.text(f'{p.source}: {p}')}</li>" for p in error.problems)
        body = f"<p>The data has {len(error.problems)} problem(s) to fix:</p><ul>{problems}</ul>"
    else:
        body = f"<p>{present.text(error)}</p>"
    box = ipw.HTML(CSS + f'<div class="okr-meeting"><h2>The meeting cannot start</h2>{body}</div>')
    return box


def app(
    data_dir: Path | str,
    quarter: str | None = None,
    team: str | None = None,
    out_dir: Path | str = "reports",
) -> ipw.Widget:
    """The meeting page: the :class:`Agenda` of ``data_dir``, or what is wrong with the data.

    Parameters
    ----------
    data_dir : a data folder, an ``.xlsx`` workbook or an ``okrlib.toml``.
    quarter : ``2026-Q3``; None: the latest quarter with OKRs.
    team : a team; None: the whole company.
    out_dir : where exports go.

    Returns
    -------
    ipywidgets.Widget
    """
    from .load import load_workbook

    try:
        workbook = load_workbook(data_dir)
        _check_view(workbook, quarter, team)
    except (OkrlibError, OSError, ValueError) as error:
        return error_view(error)
    return Agenda(workbook, quarter, team, out_dir).panel


def _check_view(workbook: Workbook, quarter: str | None, team: str | None) -> None:
    """Raise OkrlibError for a quarter without objectives or a team without any in it."""
    quarters = workbook.quarters
    if not quarters:
        raise OkrlibError("no objectives in the data: add rows to okrs")
    period = quarters[-1] if quarter is None else parse_quarter(quarter)
    if period not in quarters:
        known = ", ".join(format_quarter(q) for q in quarters)
        raise OkrlibError(f"no objectives in {format_quarter(period)}; quarters: {known}")
    teams = workbook.teams(period)
    if team is not None and team not in teams:
        raise OkrlibError(
            f"no objectives of team {team!r} in {format_quarter(period)}; teams: {', '.join(teams)}"
        )
