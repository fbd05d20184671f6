"""``okrlib meeting``'s page: the review-meeting agenda of a data folder, exporting to files.

:func:`app` is what the meeting notebook calls: the :func:`agenda`, or the data's problems
as people read them when the data folder is bad.  Exports go to
``<out_dir>/<quarter>/<team>-meeting.md`` (:func:`write_export`: atomically, never over an
earlier export); the team's file name is its report's slug.
"""

from __future__ import annotations

import os
from pathlib import Path

import ipywidgets as ipw

from ..exceptions import OkrlibError
from ..model import Workbook, format_quarter, parse_quarter
from ..presentation.agenda import Agenda, error_view
from ._files import temporary_file

__all__ = ["agenda", "app", "write_export"]


def agenda(
    workbook: Workbook,
    quarter: str | None = None,
    team: str | None = None,
    out_dir: Path | str = "reports",
) -> Agenda:
    """The meeting's :class:`~okrlib.presentation.agenda.Agenda`, its exports written to
    ``<out_dir>/<quarter>/<slug>-meeting.md``, the slug being the team's report's."""
    out_dir = Path(out_dir)

    def save(text: str, label: str, team_name: str | None) -> Path:
        from .report import _slugs  # here: the meeting's kernel needs no nbconvert until an export

        slug = _slugs([team_name], workbook.teams(parse_quarter(label)))[team_name]
        return write_export(text, out_dir / label, slug)

    return Agenda(workbook, quarter, team, save=save)


def write_export(text: str, folder: Path | str, slug: str) -> Path:
    """Write ``text`` to ``folder/<slug>-meeting.md``, or ``-meeting-2.md``, ``-3``... if taken.

    The text goes to a temporary file first, which is then linked under the first free
    name (a link never replaces an existing file), so a reader never sees half a file and an
    earlier export is never overwritten, even by two exports at once.

    Returns
    -------
    Path of the file written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with temporary_file(folder, f"{slug}-meeting", text) as temporary:
        number = 1
        while True:
            path = folder / (f"{slug}-meeting.md" if number == 1 else f"{slug}-meeting-{number}.md")
            try:
                os.link(temporary, path)
                return path
            except FileExistsError:
                number += 1


def app(
    data_dir: Path | str,
    quarter: str | None = None,
    team: str | None = None,
    out_dir: Path | str = "reports",
) -> ipw.Widget:
    """The meeting page: the :class:`Agenda` of ``data_dir``, or what is wrong with the data.

    Parameters
    ----------
    data_dir : a data folder, an ``.xlsx`` workbook or an ``okrlib.toml``.
    quarter : ``2026-Q3``; None: the latest quarter with OKRs.
    team : a team; None: the whole company.
    out_dir : where exports go.

    Returns
    -------
    ipywidgets.Widget
    """
    from ..loading import load_workbook

    try:
        workbook = load_workbook(data_dir)
        _check_view(workbook, quarter, team)
    except (OkrlibError, OSError, ValueError) as error:
        return error_view(error)
    return agenda(workbook, quarter, team, out_dir).panel


def _check_view(workbook: Workbook, quarter: str | None, team: str | None) -> None:
    """Raise OkrlibError for a quarter without objectives or a team without any in it."""
    quarters = workbook.quarters
    if not quarters:
        raise OkrlibError("no objectives in the data: add rows to okrs")
    period = quarters[-1] if quarter is None else parse_quarter(quarter)
    if period not in quarters:
        known = ", ".join(format_quarter(q) for q in quarters)
        raise OkrlibError(f"no objectives in {format_quarter(period)}; quarters: {known}")
    teams = workbook.teams(period)
    if team is not None and team not in teams:
        raise OkrlibError(
            f"no objectives of team {team!r} in {format_quarter(period)}; teams: {', '.join(teams)}"
        )
