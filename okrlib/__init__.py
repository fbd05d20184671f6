"""okrlib: load, check and analyse OKRs and KPIs, and render quarterly reviews.

The public entry points are re-exported here; everything else lives in its
module (``okrlib.progress``, ``okrlib.kpi``, ``okrlib.impact``, ``okrlib.charts``).
"""

import os as _os
import sys as _sys

from .exceptions import DataError, OkrlibError, RenderError
from .load import load_checkins, load_kpi_history, load_kpis, load_okrs, load_workbook
from .snapshot import QuarterSnapshot, quarter_snapshot
from .workbook import Workbook, default_as_of, quarter_bounds

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "OkrlibError",
    "QuarterSnapshot",
    "RenderError",
    "Workbook",
    "default_as_of",
    "load_checkins",
    "load_kpi_history",
    "load_kpis",
    "load_okrs",
    "load_workbook",
    "quarter_bounds",
    "quarter_snapshot",
]


def _skip_iri_grammar() -> None:
    """Keep jsonschema's optional IRI checker out of this process.

    jsonschema imports ``rfc3987_syntax`` when it is installed (JupyterLab's dependencies
    install it), which builds a grammar for 1 to 2 s (python-jsonschema#1392); nothing
    okrlib runs (altair, nbformat) checks IRIs.  Only in processes okrlib owns: the report
    kernels (``OKRLIB_REPORT=1``) and the ``okrlib`` command, never a user's own session.
    """
    _sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


if _os.environ.get("OKRLIB_REPORT") == "1":  # set by okrlib.report for its kernels
    _skip_iri_grammar()
