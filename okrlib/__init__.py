"""okrlib: load, check and analyse OKRs and KPIs, and render quarterly reviews.

The public entry points are re-exported here; everything else lives in its
module (``okrlib.progress``, ``okrlib.kpi``, ``okrlib.impact``, ``okrlib.charts``).
"""

import os as _os
import sys as _sys

if _os.environ.get("OKRLIB_REPORT") == "1":
    # In report kernels only (okrlib.report sets this): jsonschema imports the optional IRI
    # checker rfc3987_syntax, which builds a grammar for about a second; altair never uses it.
    _sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

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
