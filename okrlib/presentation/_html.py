"""HTML building blocks: escaped text, badges, tables, headings (every user text escaped)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape

import pandas as pd
from IPython.display import HTML

from . import _format
from ._display import STYLE, decimal, number, percent
from .charts import GRADE_COLORS


def style() -> HTML:
    """The CSS the other blocks use (show it once at the top of a notebook)."""
    return HTML(STYLE)


def badge(value: object, colors: dict[str, str]) -> str:
    """A coloured label such as ``on track``."""
    if value is None or pd.isna(value):
        return "–"
    text = str(value)
    color = colors.get(text, "#757575")
    ink = "#222" if color in ("#e6ab02", "#7fbf7b", "#bdbdbd", "#f1a340", "#fee08b") else "#fff"
    label = escape(text.replace("_", " "))
    return f'<span class="okr-badge" style="background:{color};color:{ink}">{label}</span>'


def heading(text: str, level: int = 3) -> HTML:
    """An escaped heading (for titles taken from the data)."""
    return HTML(f"<h{level}>{escape(str(text))}</h{level}>")


def paragraph(text: str) -> HTML:
    """An escaped paragraph."""
    return HTML(f"<p>{escape(text)}</p>")


def table(
    frame: pd.DataFrame,
    columns: dict[str, tuple[str, Callable[[object], str]]],
    row_class: Iterable[str] | None = None,
) -> str:
    """An HTML table; each column maps to (header, formatter returning HTML).  Use :func:`text`
    for user text so it is escaped."""
    head = "".join(f"<th>{escape(title)}</th>" for title, _ in columns.values())
    classes = list(row_class) if row_class is not None else [""] * len(frame)
    numeric = (percent, number, decimal, raw_number)
    formats = [(fmt, "num" if fmt in numeric else "") for _, fmt in columns.values()]
    values = [frame[name].tolist() if name in frame else [None] * len(frame) for name in columns]
    rows = []
    for css, row in zip(classes, zip(*values, strict=True), strict=True):  # column by column, not iterrows
        cells = (
            f'<td class="{kind}">{fmt(value)}</td>' if kind else f"<td>{fmt(value)}</td>"
            for (fmt, kind), value in zip(formats, row, strict=True)
        )
        rows.append(f'<tr class="{css}">' + "".join(cells) + "</tr>")
    return f'<table class="okr-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def text(value: object) -> str:
    """Escaped text; missing -> empty."""
    return "" if value is None or pd.isna(value) else escape(str(value))


def raw(value: object) -> str:
    """HTML built by this module (already escaped); missing -> empty."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def raw_number(value: object) -> str:
    """A formatted number (right-aligned in tables); missing -> an en dash."""
    return _format.DASH if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def words(value: object) -> str:
    """An identifier in words: ``on_track`` -> ``on track``."""
    return "" if value is None or pd.isna(value) else escape(str(value).replace("_", " "))


def named(name: object, ident: object) -> str:
    """A name with its id as a small secondary label (both escaped)."""
    label = f'<span class="okr-id">{text(ident)}</span>' if text(ident) else ""
    return f"{text(name)}{label}"


def names_with_ids(names: Iterable[object], ids: Iterable[object]) -> list[str]:
    """:func:`named` for each pair of a column of names and a column of ids."""
    return [named(name, ident) for name, ident in zip(names, ids, strict=True)]


def in_units(
    formatter: Callable[[object, object], str], values: Iterable[object], units: Iterable[object]
) -> list[str]:
    """``formatter(value, unit)`` (:func:`okrlib.presentation._format.value` or ``change``) for each pair."""
    return [formatter(value, unit) for value, unit in zip(values, units, strict=True)]


def grade_badge(grade: object, band: object) -> str:
    """A grade coloured by its band, such as ``0.7`` in green."""
    if grade is None or pd.isna(grade):
        return _format.DASH
    color = GRADE_COLORS.get(str(band), "#757575")
    ink = "#222" if color in ("#e6ab02",) else "#fff"
    return f'<span class="okr-badge" style="background:{color};color:{ink}">{float(grade):.1f}</span>'
