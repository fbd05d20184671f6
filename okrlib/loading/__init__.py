"""Loading: read a data folder (CSV, Parquet, Excel, or an ``okrlib.toml`` source file),
validate every cell against the data contract and build a :class:`~okrlib.model.Workbook`.

:mod:`~okrlib.loading.contract` declares the four tables; private modules read each format
(``_read`` for CSV and Parquet, ``_excel``, ``_toml``), parse cells (``_parse``), check
the rules (``_rules``, ``_keys``) and find data-quality findings (``_findings``).  A bad
input raises :class:`~okrlib.DataError` naming file, line, column, value and expectation.
"""

from . import contract
from .load import cut_at, load_checkins, load_kpi_history, load_kpis, load_okrs, load_workbook
from .scaffold import init_data_folder

__all__ = [
    "contract",
    "cut_at",
    "init_data_folder",
    "load_checkins",
    "load_kpi_history",
    "load_kpis",
    "load_okrs",
    "load_workbook",
]
