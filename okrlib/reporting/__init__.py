"""Reporting: render the review notebook (shipped here, in ``notebooks/``) into one
self-contained HTML report per team plus the company, with the quarter's index page
(``templates/``).  :func:`render_quarter` is what ``okrlib report`` calls.
"""

from ._meeting_server import serve as serve_meeting
from .report import NOTEBOOK, render_quarter

__all__ = ["NOTEBOOK", "render_quarter", "serve_meeting"]
