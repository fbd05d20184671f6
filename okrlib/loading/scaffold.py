"""``okrlib init``: a new data folder with the four contract files and one example row each.

The headers are the contract's columns (:data:`okrlib.loading.contract.FILES`), in its order; the
example rows tell one small story that loads, checks and renders: a Sales objective whose
key result raises MRR (the KPI ``mrr``) from 95,000 to 120,000, one KPI observation on the
quarter's first day and one check-in two weeks in.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..exceptions import OkrlibError
from ..model import format_quarter, parse_quarter
from ._read import SUFFIXES
from .contract import FILES, FileSpec

__all__ = ["example_rows", "init_data_folder"]


def example_rows(quarter: pd.Period | str) -> dict[str, dict[str, object]]:
    """One example row per file, by file stem and column name, dated in ``quarter``.

    Columns left out stay empty (their default applies).
    """
    period = parse_quarter(quarter)
    first_day = period.start_time.normalize()
    label = format_quarter(period)
    objective = f"sales-{label.lower()}-revenue"
    return {
        "kpis": {
            "kpi_id": "mrr",
            "name": "Monthly recurring revenue",
            "unit": "$",
            "direction": "higher_is_better",
            "aggregation": "last",
            "kind": "lagging",
            "owner": "Sales",
            "target": 120000,
            "warn_threshold": 100000,
            "critical_threshold": 90000,
        },
        "kpi_history": {
            "date": f"{first_day:%Y-%m-%d}",
            "kpi_id": "mrr",
            "value": 95000,
            "segment": "all",
        },
        "okrs": {
            "quarter": label,
            "team": "Sales",
            "objective_id": objective,
            "objective": "Grow recurring revenue from existing customers",
            "owner": "Head of Sales",
            "commitment": "aspirational",
            "hypothesis": "Upselling existing customers lifts MRR (mrr) faster than new logos.",
            "kr_id": f"{objective}-kr1",
            "key_result": "Raise MRR from $95,000 to $120,000",
            "kr_type": "increase",
            "start": 95000,
            "target": 120000,
            "unit": "$",
            "kpi_id": "mrr",
            "weight": 1,
        },
        "checkins": {
            "kr_id": f"{objective}-kr1",
            "date": f"{first_day + pd.Timedelta(days=14):%Y-%m-%d}",
            "value": 99000,
            "confidence": 0.6,
            "note": "Two upsells closed; three more in negotiation.",
        },
    }


def _csv_text(spec: FileSpec, row: dict[str, object]) -> str:
    unknown = set(row) - set(spec.names)
    if unknown:  # the example must follow the contract, never widen it
        raise ValueError(f"example row of {spec.stem} has columns outside the contract: {sorted(unknown)}")
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(spec.names)
    writer.writerow(["" if row.get(name) is None else row[name] for name in spec.names])
    return stream.getvalue()


def init_data_folder(folder: str | Path, quarter: pd.Period | str | None = None) -> list[Path]:
    """Write ``kpis.csv``, ``kpi_history.csv``, ``okrs.csv`` and ``checkins.csv`` into ``folder``.

    Each file has the contract's header and one example row (:func:`example_rows`); the
    folder passes ``okrlib check`` and renders with ``okrlib report`` as it is.

    Parameters
    ----------
    folder : the data folder; created (with its parents) when missing.
    quarter : the example's quarter, e.g. ``"2026-Q3"``; default today's quarter.

    Returns
    -------
    The four paths written, in the contract's order.

    Raises
    ------
    OkrlibError
        When ``folder`` is a file or already holds any of the files (as ``.csv`` or
        ``.parquet``); nothing is written then.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OkrlibError(f"{folder} is a file; expected a folder (new or without data files)")
    existing = [folder / f"{spec.stem}{suffix}" for spec in FILES for suffix in SUFFIXES]
    existing = [path for path in existing if path.exists()]
    if existing:
        names = ", ".join(str(path) for path in existing)
        raise OkrlibError(
            f"{names} already exist{'s' if len(existing) == 1 else ''}; nothing was written "
            "(expected a new folder or one without kpis, kpi_history, okrs and checkins files)"
        )
    try:
        period = pd.Timestamp.today().to_period("Q") if quarter is None else parse_quarter(quarter)
    except ValueError as error:
        raise OkrlibError(str(error)) from None
    rows = example_rows(period)
    texts = {folder / f"{spec.stem}.csv": _csv_text(spec, rows[spec.stem]) for spec in FILES}
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in texts.items():
        with path.open("x", encoding="utf-8", newline="") as stream:  # "x": never overwrite
            stream.write(text)
    return list(texts)
