"""The review meeting as an agenda a room follows (served by ``okrlib meeting``).

:class:`Agenda` is :class:`~okrlib.presentation.widgets.ReviewMeeting` (quarter and team
pickers, the objectives' scorecard, the what-if sliders) walked objective by objective with
*Previous* and *Next*: each objective shows its key results in real values with owner and
latest check-in note, the linked KPIs' charts with the quarter shaded, the impact verdicts
and the what-if panel, in type large enough for the back of a room.  A notes box keeps what
the room said about each objective; *Export* hands the meeting's scenarios and notes, as
Markdown (:mod:`~okrlib.presentation.scenarios`), to the ``save`` function it was given
(:func:`okrlib.reporting.meeting.agenda` writes them to a file).  Nothing is ever written to
the data files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import ipywidgets as ipw
import pandas as pd

from ..analysis import kpi
from ..exceptions import DataError
from ..model import Workbook, format_quarter, isin
from . import charts, present
from .scenarios import Scenario, export_markdown, scenarios
from .widgets import ReviewMeeting, Shown

__all__ = ["CSS", "Agenda", "error_view"]

Save = Callable[[str, str, "str | None"], Path]
"""Where an export goes: ``save(markdown, quarter, team)`` writes it and returns its path."""

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

    Attributes (besides :class:`okrlib.presentation.widgets.ReviewMeeting`'s)
    ----------------------------------------------------------
    previous, next, export_button : the buttons.
    note : the notes box of the objective shown; ``notes`` keeps every note by objective_id.
    header_view, key_results_view, impact_view, export_view : HTML widgets shown now.
    kpi_view : the KPI charts; ``kpi_charts`` the altair charts it shows.
    save : where *Export* sends the Markdown (``save(markdown, quarter, team)``); without
        one the export button is hidden.

    ReviewMeeting's ``detail_view`` (check-in charts, forecast odds, impact table) is not
    drawn: the agenda shows the objective's key results, KPIs and verdicts itself.
    """

    def __init__(
        self,
        workbook: Workbook,
        quarter: str | None = None,
        team: str | None = None,
        save: Save | None = None,
    ):
        self.save = save
        self.notes: dict[str, str] = {}
        self.kpi_charts: list[object] = []
        self.previous = ipw.Button(description="Previous", icon="arrow-left")
        self.next = ipw.Button(description="Next", icon="arrow-right")
        self.position = ipw.HTML()
        self.header_view = ipw.HTML()
        self.key_results_view = ipw.HTML()
        self.impact_view = ipw.HTML()
        self.kpi_view = Shown()
        self.note = ipw.Textarea(
            placeholder="Notes for this objective (exported with the scenarios)",
            layout={"width": "100%", "height": "6em"},
        )
        self.export_button = ipw.Button(description="Export scenarios and notes", icon="download")
        if save is None:
            self.export_button.layout.display = "none"
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
        """Hand this view's scenarios and notes, as Markdown, to ``save``; return its path."""
        if self.save is None:
            raise RuntimeError("this agenda was made without a save function: nowhere to export")
        team, label = self.team_name, format_quarter(self.snapshot.quarter)
        return self.save(export_markdown(self.scenarios(), label, team), label, team)

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
