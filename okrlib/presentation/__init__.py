"""Presentation: analysis frames made readable, as tables, charts, sentences and widgets.

:mod:`~okrlib.presentation.present` builds the review's tables and sentences,
:mod:`~okrlib.presentation.charts` its Altair charts, :mod:`~okrlib.presentation.widgets`
the interactive panels.  Those import Altair and ipywidgets, so they are imported by name
(``from okrlib.presentation import present``); this package itself loads only the light
display helpers the report renderer needs.
"""

from ._display import HEADLINE_KEY, STYLE, VEGALITE_MIMETYPES, decimal, percent
from ._sections import merge_details

__all__ = ["HEADLINE_KEY", "STYLE", "VEGALITE_MIMETYPES", "decimal", "merge_details", "percent"]
