"""The model: the validated data set and the vocabulary every layer shares.

:class:`Workbook` holds the four tidy frames a data folder loads into, with its
data-quality findings; :mod:`~okrlib.model.quarters` reads, writes and bounds quarters
(``pd.Period``); :mod:`~okrlib.model.frames` and :mod:`~okrlib.model.history` are the
frame helpers the loaders and the analysis share.  This layer imports nothing from okrlib
but :mod:`okrlib.exceptions`; the loaders build its objects and the analysis reads them.
"""

from .frames import isin, series_key
from .quarters import format_quarter, parse_quarter, quarter_bounds
from .workbook import FINDING_COLUMNS, Workbook, cached, default_as_of, findings_frame

__all__ = [
    "FINDING_COLUMNS",
    "Workbook",
    "cached",
    "default_as_of",
    "findings_frame",
    "format_quarter",
    "isin",
    "parse_quarter",
    "quarter_bounds",
    "series_key",
]
