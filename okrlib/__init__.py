"""okrlib: load, check and analyse OKRs and KPIs, and render quarterly reviews.

The public entry points are re-exported here; everything else lives in its
layer's subpackage: ``okrlib.loading``, ``okrlib.model``, ``okrlib.analysis``,
``okrlib.presentation`` and ``okrlib.reporting`` (docs/architecture.md draws them).
Importing okrlib changes nothing global (no pandas option, no display setting): a report
kernel is set up by one explicit call, ``okrlib.reporting.kernel.setup_report_kernel()``.
"""

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
