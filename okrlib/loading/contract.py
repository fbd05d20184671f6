"""The data contract, declared once.

Four files live in a data folder, each as ``<stem>.csv``, ``.parquet`` or ``.xlsx`` (or
four sheets of one ``.xlsx`` workbook, named like the stems):
``kpis``, ``kpi_history``, ``okrs`` and ``checkins``.  This module says which
columns each file has, what type each column is, which values are allowed and
what an empty optional cell means.  The loader (:mod:`okrlib.loading.load`) reads these
declarations; the README's contract table quotes them.

Column kinds
------------
``id``       text naming a thing; surrounding whitespace is stripped; may carry a pattern
``text``     free text; surrounding whitespace is stripped
``enum``     one of ``allowed``
``number``   a number, see :mod:`okrlib.loading._parse` for the accepted spellings
``date``     ISO ``YYYY-MM-DD``
``quarter``  ``2026-Q3`` or ``2026Q3``, becomes ``pd.Period(freq="Q")``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "enum", "number", "date", "quarter"]

DIRECTIONS = ("higher_is_better", "lower_is_better")
AGGREGATIONS = ("sum", "mean", "last")
KPI_KINDS = ("leading", "lagging")
COMMITMENTS = ("committed", "aspirational")
KR_TYPES = ("increase", "decrease", "at_least", "at_most", "milestone")
STATUSES = ("done", "on_track", "at_risk", "off_track", "missed", "no_data")
PACE_STATUSES = ("done", "on_track", "at_risk", "off_track", "no_data")  # while a quarter runs
FINAL_STATUSES = ("done", "missed", "no_data")  # once it has ended

ALL_SEGMENTS = "all"
COMPANY_TEAM = "Company"
DATE_DTYPE = "datetime64[us]"


@dataclass(frozen=True)
class Column:
    """One column of a data file.

    Parameters
    ----------
    name : the column's header, case-sensitive lower_snake.
    kind : how cells are parsed (see the module docstring).
    required : the column must be present and no cell may be empty.
    allowed : for ``enum`` columns, the accepted values.
    default : the value an empty cell (or a missing optional column) takes.
    pattern : a regular expression every non-empty cell must match in full.
    help : what the column means, for error messages and the README.
    """

    name: str
    kind: Kind
    required: bool = False
    allowed: tuple[str, ...] = ()
    default: object = None
    pattern: str | None = None
    help: str = ""

    def expected(self) -> str:
        """Say in words what a valid cell of this column looks like."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.allowed)
        if self.kind == "number":
            return "a number such as 1200, 1,200, 85% or $1,200"
        if self.kind == "date":
            return "a date written YYYY-MM-DD, from 1900-01-01 to 2100-12-31"
        if self.kind == "quarter":
            return "a quarter written 2026-Q3 or 2026Q3"
        if self.pattern:
            return f"text matching {self.pattern}"
        return "a non-empty value"


@dataclass(frozen=True)
class FileSpec:
    """One data file: its stem, its columns and its unique keys."""

    stem: str
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = field(default=())
    help: str = ""
    key_column: str | None = None  # the id a person knows a row by, named in messages

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


KPI_ID = r"[a-z0-9_]+"

KPIS = FileSpec(
    stem="kpis",
    key_column="kpi_id",
    help="one row per KPI",
    columns=(
        Column("kpi_id", "id", required=True, pattern=KPI_ID, help="unique KPI id"),
        Column("name", "text", required=True, help="display name"),
        Column("unit", "text", help="display unit such as %, $ or days"),
        Column("direction", "enum", required=True, allowed=DIRECTIONS),
        Column(
            "aggregation",
            "enum",
            required=True,
            allowed=AGGREGATIONS,
            help="how values combine over a period",
        ),
        Column("kind", "enum", allowed=KPI_KINDS, default="lagging"),
        Column("owner", "text", help="the team that owns the KPI"),
        Column("target", "number"),
        Column("warn_threshold", "number"),
        Column("critical_threshold", "number"),
    ),
    unique=(("kpi_id",),),
)

KPI_HISTORY = FileSpec(
    stem="kpi_history",
    key_column="kpi_id",
    help="one row per observation",
    columns=(
        Column("date", "date", required=True),
        Column("kpi_id", "id", required=True, pattern=KPI_ID),
        Column("value", "number", required=True),
        Column("segment", "id", default=ALL_SEGMENTS, help="e.g. a region; default all"),
    ),
    unique=(("date", "kpi_id", "segment"),),
)

OBJECTIVE_COLUMNS = (
    "quarter",
    "team",
    "objective_id",
    "objective",
    "owner",
    "parent_objective_id",
    "commitment",
    "hypothesis",
)

OKRS = FileSpec(
    stem="okrs",
    key_column="kr_id",
    help="one row per key result, objective columns repeated on each of its rows",
    columns=(
        Column("quarter", "quarter", required=True),
        Column("team", "text", required=True, help="Company for company-level objectives"),
        Column("objective_id", "id", required=True),
        Column("objective", "text", required=True, help="the objective's title"),
        Column("owner", "text"),
        Column("parent_objective_id", "id", help="the objective this one aligns to"),
        Column("commitment", "enum", allowed=COMMITMENTS, default="aspirational"),
        Column("hypothesis", "text", help="which KPI the objective should move and why"),
        Column("kr_id", "id", required=True),
        Column("key_result", "text", required=True, help="the key result's title"),
        Column("kr_type", "enum", required=True, allowed=KR_TYPES),
        Column("start", "number", help="required for increase and decrease"),
        Column("target", "number", help="required except for milestone"),
        Column("unit", "text"),
        Column("kpi_id", "id", pattern=KPI_ID, help="optional link to kpis"),
        Column("segment", "id", help="the KPI segment the KR targets"),
        Column("weight", "number", default=1.0, help="positive; default 1"),
    ),
    unique=(("kr_id",),),
)

CHECKINS = FileSpec(
    stem="checkins",
    key_column="kr_id",
    help="one row per check-in",
    columns=(
        Column("kr_id", "id", required=True),
        Column("date", "date", required=True),
        Column("value", "number", required=True, help="for a milestone: fraction done, 0 to 1"),
        Column("confidence", "number", help="0 to 1"),
        Column("note", "text"),
    ),
    unique=(("kr_id", "date"),),
)

FILES = (KPIS, KPI_HISTORY, OKRS, CHECKINS)
