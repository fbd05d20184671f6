"""The report kernel's setup: one explicit call, made by the review notebook when it is rendered.

``okrlib report`` renders ``quarterly_review.ipynb`` with the papermill parameter
``report_mode = True``; the notebook's first cell after its parameters then calls
:func:`setup_report_kernel` instead of :func:`okrlib.presentation.charts.enable`.  The same notebook opened
in JupyterLab keeps ``report_mode = False`` and gets interactive charts.  Importing okrlib
changes nothing global; only this function does, and only in the kernel that calls it.

What it sets, and why, is measured in ``docs/performance.md``.
"""

from __future__ import annotations


def setup_report_kernel() -> None:
    """Set this kernel up to render a report: call it before any frame exists.

    - Charts display as their bare vega-lite spec (the offline HTML draws them) and are not
      validated piece by piece as they are built (altair's debug mode off), as
      :func:`okrlib.presentation.charts.enable` with ``report=True`` describes.
    - pandas holds text in Python strings (``mode.string_storage = "python"``): a review's
      frames are small, where pyarrow's fixed cost per operation dominates.  The dtype is
      ``str`` either way and the values are the same (a test computes the review's frames
      under both storages).  Set before any frame exists, for every frame alike: a merge on
      keys of the two storages would give an ``object`` column.

    A kernel is set up for good: run it only in kernels that render reports.
    """
    import pandas as pd

    from ..presentation import charts

    pd.set_option("mode.string_storage", "python")
    charts.enable(report=True)
