"""The KPI explorer panel: a KPI's trend by segment and period, its linked key results, and a
leading and a lagging KPI compared (``notebooks/kpi_explorer.ipynb``)."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ..analysis import kpi, review
from ..model import Workbook, format_quarter
from . import charts, present
from ._shown import WIDE, Shown


class KpiExplorer:
    """Pick a KPI, segments, a date range and a period; compare a leading KPI with a lagging one.

    Attributes
    ----------
    series : the aggregated frame the trend chart shows.
    trend_chart, pair_chart, correlation_chart : the altair charts shown now.
    linked : key results linked to the KPI, with their progress in their quarter.
    correlations : the leading KPI against the lagging one at lags 0 to 8.
    """

    def __init__(self, workbook: Workbook, kpi_id: str | None = None):
        self.workbook = workbook
        kpis = workbook.kpis
        options = [(f"{r.name} ({r.kpi_id})", r.kpi_id) for r in kpis.itertuples()]
        first, last = workbook.kpi_history["date"].min(), workbook.kpi_history["date"].max()
        self.kpi = widgets.Dropdown(
            description="KPI", options=options, value=kpi_id or options[0][1], layout=WIDE
        )
        self.segments = widgets.SelectMultiple(description="Segments", rows=4)
        self.period = widgets.Dropdown(
            description="Period", options=["week", "month", "quarter"], value="week"
        )
        self.start = widgets.DatePicker(description="From", value=first.date())
        self.end = widgets.DatePicker(description="To", value=last.date())
        leading = kpis.loc[kpis["kind"] == "leading", "kpi_id"].tolist() or kpis["kpi_id"].tolist()
        lagging = kpis.loc[kpis["kind"] == "lagging", "kpi_id"].tolist() or kpis["kpi_id"].tolist()
        self.leading = widgets.Dropdown(
            description="Leading", options=[o for o in options if o[1] in leading], layout=WIDE
        )
        self.lagging = widgets.Dropdown(
            description="Lagging", options=[o for o in options if o[1] in lagging], layout=WIDE
        )
        self.trend_view, self.compare_view = Shown(), Shown()
        self.linked_view = widgets.HTML()
        self._linked_all = review.linked_key_results(workbook)
        self._quiet = False
        self._refresh_segments()
        self._draw_trend()
        self._draw_compare()
        for control in (self.kpi,):
            control.observe(self._on_kpi, names="value")
        for control in (self.segments, self.start, self.end):
            control.observe(lambda _change: self._draw_trend(), names="value")
        self.period.observe(lambda _change: (self._draw_trend(), self._draw_compare()), names="value")
        for control in (self.leading, self.lagging):
            control.observe(lambda _change: self._draw_compare(), names="value")

    def _history(self) -> pd.DataFrame:
        history = self.workbook.kpi_history
        start, end = pd.Timestamp(self.start.value), pd.Timestamp(self.end.value)
        return history[(history["date"] >= start) & (history["date"] <= end)]

    def _refresh_segments(self) -> None:
        history = self.workbook.kpi_history
        segments = sorted(history.loc[history["kpi_id"] == self.kpi.value, "segment"].unique())
        self._quiet = True
        self.segments.options = segments
        self.segments.value = ("all",) if "all" in segments else tuple(segments[:1])
        self._quiet = False

    def _on_kpi(self, _change: dict) -> None:
        self._refresh_segments()
        self._draw_trend()

    def _draw_trend(self) -> None:
        if self._quiet:
            return
        history = self._history()
        history = history[
            (history["kpi_id"] == self.kpi.value) & history["segment"].isin(self.segments.value)
        ]
        self.series = kpi.aggregate(history, self.workbook.kpis, self.period.value)
        row = self.workbook.kpis[self.workbook.kpis["kpi_id"] == self.kpi.value].iloc[0]
        self.linked = self._linked_all[self._linked_all["kpi_id"] == self.kpi.value]
        shaded = charts.quarter_shading(sorted(self.linked["quarter"].unique()))
        self.trend_chart = charts.kpi_trend_chart(self.series, row, shaded)
        columns = {
            "quarter": ("Quarter", lambda q: format_quarter(q)),
            "team": ("Team", present.text),
            "kr_id": ("KR", present.text),
            "key_result": ("Key result", present.text),
            "segment": ("Segment", present.text),
            "status": ("Status", lambda v: present.badge(v, charts.STATUS_COLORS)),
            "progress": ("Progress", present.percent),
        }
        self.linked_view.value = present.STYLE + (
            present.table(self.linked, columns)
            if len(self.linked)
            else "<p>No key result links this KPI.</p>"
        )
        self.trend_view.show(self.trend_chart)

    def _draw_compare(self) -> None:
        history = self._history()
        history = history[history["segment"] == "all"]
        weekly = kpi.aggregate(
            history[history["kpi_id"].isin([self.leading.value, self.lagging.value])],
            self.workbook.kpis,
            self.period.value,
        )
        leading = weekly[weekly["kpi_id"] == self.leading.value]
        lagging = weekly[weekly["kpi_id"] == self.lagging.value]
        names = (self.leading.label, self.lagging.label)
        self.correlations = kpi.lagged_correlation(leading, lagging, max_lag=8)
        self.pair_chart = charts.kpi_pair_chart(leading, lagging, names)
        self.correlation_chart = charts.correlation_chart(self.correlations, names)
        self.compare_view.show(self.pair_chart, self.correlation_chart)

    @property
    def panel(self) -> widgets.VBox:
        """The whole panel, laid out."""
        return widgets.VBox(
            [
                widgets.HBox([self.kpi, self.period], layout={"flex_flow": "row wrap"}),
                widgets.HBox([self.segments, widgets.VBox([self.start, self.end])]),
                self.trend_view,
                widgets.HTML("<h4>Key results linked to this KPI</h4>"),
                self.linked_view,
                widgets.HTML("<h3>Leading against lagging</h3>"),
                widgets.HBox([self.leading, self.lagging], layout={"flex_flow": "row wrap"}),
                self.compare_view,
            ]
        )

    def _ipython_display_(self) -> None:
        display(self.panel)
