"""The output area the panels draw into, keeping its chart widgets between draws."""

from __future__ import annotations

import altair as alt
import ipywidgets as widgets
from IPython.display import display

from . import charts

WIDE = {"width": "max-content", "max_width": "100%"}


class Shown(widgets.Output):
    """An Output for charts and tables; it keeps its chart widgets and reuses them.

    Each chart becomes :func:`okrlib.presentation.charts.chart_widget` (drawn offline, as SVG); the next
    :meth:`show` sets the kept widgets' charts rather than opening new widgets, and closes
    the ones no longer needed, so the front end neither receives the vega bundle again nor
    collects widgets.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.chart_widgets: list[widgets.Widget] = []

    def show(self, *objects: object) -> None:
        """Show ``objects`` in order (only inside IPython; the panels keep them as attributes anyway)."""
        from IPython import get_ipython

        if get_ipython() is None:
            return
        new = [item for item in objects if isinstance(item, alt.TopLevelMixin)]
        while len(self.chart_widgets) > len(new):
            self.chart_widgets.pop().close()
        for kept, chart in zip(self.chart_widgets, new, strict=False):
            kept.chart = chart
        self.chart_widgets += [charts.chart_widget(chart) for chart in new[len(self.chart_widgets) :]]
        shown = iter(self.chart_widgets)
        self.clear_output(wait=True)
        with self:
            for item in objects:
                display(next(shown) if isinstance(item, alt.TopLevelMixin) else item)
