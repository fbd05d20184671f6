"""Reporting: the review notebook rendered into self-contained HTML, and the meeting's page.

:mod:`~okrlib.reporting.report` renders the review notebook (shipped here, in
``notebooks/``) into one HTML report per team plus the company, with the quarter's index page
(``templates/``): :func:`~okrlib.reporting.report.render_quarter` is what ``okrlib report``
calls.  :mod:`~okrlib.reporting.kernel` is the one call that sets a report kernel up;
:mod:`~okrlib.reporting.meeting` and :mod:`~okrlib.reporting.serve` are ``okrlib meeting``'s
page and its Voila server.  The modules are imported by name: a report kernel imports
``kernel`` without the renderer's libraries, the meeting's kernel ``meeting`` likewise.
"""

__all__ = ["kernel", "meeting", "report", "serve"]
