"""ipywidgets panels for JupyterLab: the KPI explorer and the review meeting.

Each panel is a small class that builds its widgets from a Workbook and wires their
callbacks to okrlib's compute functions; the frames and charts it shows are kept as
attributes (``panel.objectives``, ``panel.progress_chart``, ...) so tests can drive the
widgets by setting ``.value`` and check what changed, without a browser.  Sliders only
report when released (``continuous_update=False``).  Nothing is ever written to the data
files.

Examples
--------
>>> panel = ReviewMeeting(okrlib.load_workbook("data"))   # doctest: +SKIP
>>> panel                                                 # doctest: +SKIP
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import display

from ..analysis import impact, review
from ..analysis.snapshot import QuarterSnapshot, quarter_snapshot
from ..analysis.whatif import WhatIf, what_if
from ..model import Workbook, format_quarter, isin
from . import charts, present
from ._explorer import KpiExplorer
from ._shown import WIDE, Shown

__all__ = ["COMPANY", "KpiExplorer", "ReviewMeeting", "Shown", "slider_bounds"]

COMPANY = "Company (all teams)"  # the team dropdown's entry for the whole company


# dropdowns as wide as their longest entry, so KPI and objective names show in full
def _amount(value: float, unit: object, kr_type: str) -> str:
    """A key result's value as people read it: ``$845,100``, ``92.5%``, ``12 deals``, ``50% done``."""
    if kr_type == "milestone":
        return f"{present.percent(value, 0)} done"
    text, unit = present.number(value), "" if pd.isna(unit) else str(unit)
    if unit == "$":
        return f"-${text[1:]}" if text.startswith("-") else f"${text}"
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".strip()


def _readout(value: float, unit: object, kr_type: str) -> str:
    return f"<b>{present.text(_amount(value, unit, kr_type))}</b>"


def slider_bounds(row: pd.Series) -> tuple[float, float]:
    """A slider range that holds start, target and current with some room either side."""
    if row["kr_type"] == "milestone":
        return 0.0, 1.0
    values = np.array([row.get("start"), row["target"], row["current"]], dtype="float64")
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    room = max(high - low, abs(high) * 0.2, 1.0) * 0.25
    return low - room, high + room


class ReviewMeeting:
    """Pick a quarter and team, see objectives and progress, open an objective, try what-ifs.

    Attributes
    ----------
    snapshot : the loaded view (:class:`okrlib.QuarterSnapshot`).
    impact, odds : the view's impact verdicts and forecast odds.
    result : the what-if rescoring (:class:`okrlib.analysis.whatif.WhatIf`) shown now.
    objectives, key_results : ``result``'s frames.
    progress_chart, detail_chart : the altair charts shown now.
    sliders, targets, readouts : by kr_id, each key result's slider (labelled with its name),
        target box and formatted value.
    current_overrides, target_overrides : the what-if edits by kr_id.
    team_name : the team shown, None for the whole company (the dropdown's ``COMPANY``).
    """

    def __init__(self, workbook: Workbook, quarter: str | None = None, team: str | None = None):
        self.workbook = workbook
        quarters = workbook.quarters
        self.quarter = widgets.Dropdown(
            description="Quarter",
            options=[(format_quarter(q), q) for q in quarters],
            value=quarters[-1] if quarter is None else pd.Period(quarter.replace("-", ""), freq="Q"),
        )
        # the company's entry has a value of its own: a value of None shows an empty dropdown
        self.team = widgets.Dropdown(description="Team", options=[COMPANY], value=COMPANY, layout=WIDE)
        self.objective = widgets.Dropdown(description="Objective", options=[], layout=WIDE)
        self.reset = widgets.Button(description="Reset what-ifs", icon="undo")
        self.objectives_view = widgets.HTML()
        self.progress_view = Shown()
        self.detail_view = Shown()
        self.what_if_view = widgets.HTML()
        self.sliders: dict[str, widgets.FloatSlider] = {}
        self.targets: dict[str, widgets.FloatText] = {}
        self.readouts: dict[str, widgets.HTML] = {}
        self.sliders_box = widgets.VBox()
        self.current_overrides: dict[str, float] = {}
        self.target_overrides: dict[str, float] = {}
        self._cache: dict[tuple, tuple[QuarterSnapshot, pd.DataFrame, pd.DataFrame]] = {}
        self._quiet = False
        self._refresh_teams(team)
        self._load()
        self.quarter.observe(self._on_quarter, names="value")
        self.team.observe(self._on_view, names="value")
        self.objective.observe(self._on_objective, names="value")
        self.reset.on_click(self._on_reset)

    @contextmanager
    def _silently(self):
        self._quiet, before = True, self._quiet
        try:
            yield
        finally:
            self._quiet = before

    @property
    def team_name(self) -> str | None:
        """The team chosen, or None for the whole company."""
        return None if self.team.value == COMPANY else self.team.value

    def _refresh_teams(self, team: str | None = None) -> None:
        teams = [t for t in self.workbook.teams(self.quarter.value) if t not in ("Company", COMPANY)]
        with self._silently():
            self.team.options = [COMPANY, *teams]
            self.team.value = team if team in teams else COMPANY

    def _load(self) -> None:
        """Compute the view of the chosen quarter and team (cached), clear what-ifs, redraw."""
        team = self.team_name
        key = (self.quarter.value, team)
        if key not in self._cache:
            snapshot = quarter_snapshot(self.workbook, self.quarter.value, team=team)
            results = impact.impact(self.workbook, snapshot.quarter, snapshot.as_of, team=team)
            odds = review.forecast_odds(self.workbook, snapshot.quarter, snapshot.as_of)
            self._cache[key] = (snapshot, results, odds)
        self.snapshot, self.impact, self.odds = self._cache[key]
        self.current_overrides.clear()
        self.target_overrides.clear()
        options = [
            (f"{o.team}: {o.objective}", o.objective_id) for o in self.snapshot.objectives.itertuples()
        ]
        with self._silently():
            self.objective.options = options
            self.objective.value = options[0][1] if options else None
        self._build_sliders()
        self._recompute()
        self._draw_detail()

    def _build_sliders(self) -> None:
        krs = self.snapshot.key_results
        krs = krs[krs["objective_id"] == self.objective.value]
        self.sliders, self.targets, self.readouts, rows = {}, {}, {}, []
        for _, row in krs.iterrows():
            low, high = slider_bounds(row)
            value = row["current"] if pd.notna(row["current"]) else low
            # the key result's name, its value formatted beside the slider (a slider's own
            # readout would show 8.451e+5)
            slider = widgets.FloatSlider(
                value=float(np.clip(value, low, high)),
                min=low,
                max=high,
                step=(high - low) / 200,
                description=row["key_result"],
                tooltip=f"{row['key_result']} ({row['kr_id']})",
                continuous_update=False,
                readout=False,
                layout={"width": "calc(26em + 200px)"},
                style={"description_width": "26em"},
            )
            readout = widgets.HTML(layout={"width": "10em"})
            widgets.dlink(
                (slider, "value"),
                (readout, "value"),
                transform=partial(_readout, unit=row.get("unit"), kr_type=row["kr_type"]),
            )
            target = widgets.FloatText(
                value=row["target"] if pd.notna(row["target"]) else 1.0,
                description="target",
                layout={"width": "200px"},
                disabled=row["kr_type"] == "milestone",
            )
            kr_id = row["kr_id"]
            slider.observe(
                lambda change, kr=kr_id: self._on_edit(self.current_overrides, kr, change), names="value"
            )
            target.observe(
                lambda change, kr=kr_id: self._on_edit(self.target_overrides, kr, change), names="value"
            )
            self.sliders[kr_id], self.targets[kr_id], self.readouts[kr_id] = slider, target, readout
            rows.append(widgets.HBox([slider, readout, target]))
        self.sliders_box.children = rows

    def _recompute(self) -> None:
        """Rescore with the what-if edits and redraw the objectives, the chart and the summary."""
        self.result: WhatIf = what_if(self.snapshot, self.current_overrides, self.target_overrides)
        self.objectives, self.key_results = self.result.objectives, self.result.key_results
        columns = {
            "team": ("Team", present.text),
            "objective": ("Objective", present.text),
            "status": ("Status", lambda v: present.badge(v, charts.STATUS_COLORS)),
            "progress": ("Progress", present.percent),
            "expected_progress": ("Expected", present.percent),
            "mean_confidence": ("Confidence", lambda v: present.percent(v, 0)),
            "forecast_grade": ("Forecast grade", lambda v: present.decimal(v, 1)),
        }
        self.objectives_view.value = present.STYLE + present.table(self.objectives, columns)
        self.progress_chart = charts.objective_scorecard(self.objectives, title="Objectives (with what-ifs)")
        self.progress_view.show(self.progress_chart)
        self._draw_what_if()

    def _draw_what_if(self) -> None:
        before = self.snapshot.objectives.set_index("objective_id")
        after = self.objectives.set_index("objective_id")
        chosen = self.objective.value
        if chosen is None:
            self.what_if_view.value = ""
            return
        b, a = before.loc[chosen], after.loc[chosen]
        edits = len(self.current_overrides) + len(self.target_overrides)
        self.what_if_view.value = (
            f"<p><b>{present.text(a['objective'])}</b> with {edits} what-if edit(s): progress "
            f"{present.percent(b['progress'])} → <b>{present.percent(a['progress'])}</b>, status "
            f"{present.badge(b['status'], charts.STATUS_COLORS)} → "
            f"{present.badge(a['status'], charts.STATUS_COLORS)}, forecast grade "
            f"<b>{present.decimal(a['forecast_grade'], 1)}</b>. The data files are unchanged.</p>"
        )

    def _draw_detail(self) -> None:
        chosen = self.objective.value
        krs = self.key_results[self.key_results["objective_id"] == chosen]
        self.detail_chart = charts.kr_progress_chart(krs, title="Key results (with what-ifs)")
        start, end = self.snapshot.quarter.start_time.normalize(), self.snapshot.quarter.end_time.normalize()
        items: list[object] = [self.detail_chart]
        for _, row in krs.iterrows():
            history = self.snapshot.checkins[self.snapshot.checkins["kr_id"] == row["kr_id"]]
            if len(history):
                items.append(charts.checkin_chart(history, row, start, end))
        odds = self.odds[isin(self.odds["kr_id"], krs["kr_id"])]
        if len(odds):
            items.append(present.odds_table(odds, self.snapshot.forecast, krs))
        linked = self.impact[isin(self.impact["kr_id"], krs["kr_id"])]
        if len(linked):
            items.append(present.impact_table(linked))
        self.detail_view.show(*items)

    def _on_quarter(self, change: dict) -> None:
        self._refresh_teams(self.team_name)
        self._load()

    def _on_view(self, change: dict) -> None:
        if not self._quiet:
            self._load()

    def _on_objective(self, change: dict) -> None:
        if self._quiet:
            return
        self._build_sliders()
        self._draw_what_if()
        self._draw_detail()

    def _on_edit(self, overrides: dict[str, float], kr_id: str, change: dict) -> None:
        """A slider (current value) or target box changed: record the edit and rescore."""
        if self._quiet:
            return
        overrides[kr_id] = float(change["new"])
        self._recompute()
        self._draw_detail()

    def _on_reset(self, _button: widgets.Button | None = None) -> None:
        self.current_overrides.clear()
        self.target_overrides.clear()
        with self._silently():
            self._build_sliders()
        self._recompute()
        self._draw_detail()

    @property
    def panel(self) -> widgets.VBox:
        """The whole panel, laid out."""
        return widgets.VBox(
            [
                widgets.HBox([self.quarter, self.team], layout={"flex_flow": "row wrap"}),
                self.objectives_view,
                self.progress_view,
                widgets.HTML("<h3>Objective</h3>"),
                self.objective,
                widgets.HTML(
                    "<h4>What if…</h4><p>Move a key result's current value or override its target; "
                    "release the slider to recompute.</p>"
                ),
                self.sliders_box,
                self.reset,
                self.what_if_view,
                self.detail_view,
            ]
        )

    def _ipython_display_(self) -> None:
        display(self.panel)
