"""okrlib: load, check and analyse OKRs and KPIs, and render quarterly reviews.

The public entry points are re-exported here; everything else lives in its
layer's subpackage: ``okrlib.loading``, ``okrlib.model``, ``okrlib.analysis``,
``okrlib.presentation`` and ``okrlib.reporting`` (docs/architecture.md draws them).
"""

import os as _os
import sys as _sys

from .analysis.snapshot import QuarterSnapshot, quarter_snapshot
from .exceptions import DataError, OkrlibError, RenderError
from .loading.load import cut_at, load_checkins, load_kpi_history, load_kpis, load_okrs, load_workbook
from .loading.scaffold import init_data_folder
from .model import Workbook, default_as_of, quarter_bounds

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "OkrlibError",
    "QuarterSnapshot",
    "RenderError",
    "Workbook",
    "cut_at",
    "default_as_of",
    "init_data_folder",
    "load_checkins",
    "load_kpi_history",
    "load_kpis",
    "load_okrs",
    "load_workbook",
    "quarter_bounds",
    "quarter_snapshot",
]


# jsonschema's optional format checkers: the "format-nongpl" extra JupyterLab installs.
_FORMAT_CHECKERS = (
    "rfc3987_syntax",
    "rfc3986_validator",
    "rfc3339_validator",
    "isoduration",
    "fqdn",
    "jsonpointer",
    "uri_template",
    "webcolors",
)


def _skip_format_checkers() -> None:
    """Keep jsonschema's optional format checkers out of this process.

    jsonschema imports each checker's library when it is installed, and JupyterLab's
    dependencies install them all: ``rfc3987_syntax`` builds an IRI grammar for 1 to 2 s
    (python-jsonschema#1392), the others (``isoduration`` pulls in ``arrow``) take about 30
    ms more.  Nothing okrlib's own processes run checks string formats: report kernels do
    not validate chart specs (altair's debug mode is off there) and nbformat validates
    without a format checker.  Only in processes okrlib owns, the report kernels
    (``OKRLIB_REPORT=1``) and the ``okrlib`` command, never a user's own session.
    """
    for name in _FORMAT_CHECKERS:
        _sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _python_strings() -> None:
    """Hold text columns as Python strings rather than in Arrow arrays (report kernels only).

    A review's frames have tens to thousands of rows, where each pandas operation on an
    Arrow-backed ``str`` column (a filter, a merge key, an ``isin``) pays pyarrow's fixed
    cost per call; with pandas' Python storage the review's cells took 20% less time.  The
    dtype is ``str`` either way and the values and results are the same (a test computes the
    review's frames under both).  Set before any frame exists, for every frame alike:
    a merge on keys of the two storages would give an ``object`` column.
    """
    import pandas as pd

    pd.set_option("mode.string_storage", "python")


if _os.environ.get("OKRLIB_REPORT") == "1":  # set by okrlib.reporting.report for its kernels
    _skip_format_checkers()
    _python_strings()
