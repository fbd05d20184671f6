"""The loaders: every parsing rule and every error of the data contract."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import BAD, GOOD

import okrlib
from okrlib import DataError, load_workbook

# Each bad file replaces its namesake in a copy of tests/data/good; the message must
# name the file, the line, the column, the bad value and what was expected.
BAD_CASES = {
    "kpis_missing_column": "column 'direction': expected a required column 'direction'",
    "kpis_wrong_case": "found 'KPI_ID': column names are case-sensitive",
    "kpis_bad_direction": "line 3 (kpi_id 'churn_rate'), column 'direction': got 'down'; expected one of higher_is_better, "
    "lower_is_better",
    "kpis_bad_aggregation": "line 2 (kpi_id 'mrr'), column 'aggregation': got 'median'; expected one of sum, mean, last",
    "kpis_bad_id": "line 3, column 'kpi_id': got 'Churn-Rate'; expected text matching [a-z0-9_]+",
    "kpis_duplicate_id": "line 3, column 'kpi_id': got 'mrr'; expected a unique kpi_id; "
    "the same value is on line 2",
    "kpis_thresholds": "line 2 (kpi_id 'mrr'), column 'warn_threshold': got '1300'; expected at most target (1200) "
    "for a higher_is_better KPI",
    "kpis_empty": "got 'an empty file'; expected a header line",
    "kpis_header_only": "got 'a header and no rows'; expected at least one row",
    "kpis_not_utf8": "line 3: got 'te,Churn r\ufffdte,%,lower'; expected UTF-8 text",
    "history_bad_number": "line 4 (kpi_id 'mrr'), column 'value': got '52O'; expected a number",
    "history_not_a_number": "line 4 (kpi_id 'mrr'), column 'value': got 'nan'; expected a number",
    "history_missing_value": "line 4 (kpi_id 'mrr'), column 'value': got an empty cell; expected a number",
    "history_bad_date": "line 4 (kpi_id 'mrr'), column 'date': got '13/07/2026'; expected a date written YYYY-MM-DD",
    "history_impossible_date": "line 4 (kpi_id 'mrr'), column 'date': got '2026-02-30'; expected a date",
    "history_duplicate": "line 4, column '(date, kpi_id, segment)': got '2026-07-06, mrr, emea'; "
    "expected a unique (date, kpi_id, segment); the same value is on line 2",
    "history_unknown_kpi": "line 7, column 'kpi_id': got 'nps'; expected a kpi_id listed in kpis",
    "history_ragged_line": "line 4: got '2026-07-13,mrr,emea,520,extra'; expected 4 fields",
    "history_ambiguous_decimal": "line 4 (kpi_id 'mrr'), column 'value': got '1.234'; expected an unambiguous number",
    "okrs_bad_quarter": "line 4 (kr_id 'sales-1-kr1'), column 'quarter': got 'Q3 2026'; expected a quarter written 2026-Q3",
    "okrs_bad_kr_type": "line 3 (kr_id 'co-1-kr2'), column 'kr_type': got 'at-most'; expected one of increase, decrease",
    "okrs_bad_commitment": "line 2 (kr_id 'co-1-kr1'), column 'commitment': got 'must'; expected one of committed",
    "okrs_increase_target_below_start": "line 4 (kr_id 'sales-1-kr1'), column 'target': got '450'; expected a target above "
    "start for an increase key result (start 500)",
    "okrs_decrease_target_above_start": "line 4 (kr_id 'sales-1-kr1'), column 'target': got '600'; expected a target below "
    "start for a decrease key result (start 500)",
    "okrs_missing_start": "line 4 (kr_id 'sales-1-kr1'), column 'start': got an empty cell; expected a start value",
    "okrs_missing_target": "line 3 (kr_id 'co-1-kr2'), column 'target': got an empty cell; expected a target value",
    "okrs_nonpositive_weight": "line 4 (kr_id 'sales-1-kr1'), column 'weight': got '0'; expected a positive weight",
    "okrs_objective_disagrees": "line 5 (kr_id 'sales-1-kr2'), column 'objective': got 'Win Europe'; expected Win EMEA as on "
    "line 4",
    "okrs_unknown_parent": "line 4 (kr_id 'sales-1-kr1'), column 'parent_objective_id': got 'co-9'; expected the objective_id",
    "okrs_parent_other_quarter": "line 4 (kr_id 'sales-1-kr1'), column 'parent_objective_id': got 'co-1'; expected an "
    "objective of the same quarter, 2026-Q3; the parent is in 2026-Q2",
    "okrs_alignment_cycle": "expected no alignment cycle; found co-1 -> sales-1 -> co-1",
    "okrs_unknown_kpi": "line 3 (kr_id 'co-1-kr2'), column 'kpi_id': got 'churn'; expected a kpi_id listed in kpis",
    "okrs_duplicate_kr": "line 5, column 'kr_id': got 'sales-1-kr1'; expected a unique kr_id",
    "okrs_segment_without_kpi": "line 5 (kr_id 'sales-1-kr2'), column 'segment': got 'emea'; expected a kpi_id beside",
    "checkins_unknown_kr": "line 3, column 'kr_id': got 'sales-9-kr1'; expected a kr_id listed in okrs",
    "checkins_confidence_percent": "line 3 (kr_id 'sales-1-kr1'), column 'confidence': got '70'; expected a confidence from 0 to 1",
    "checkins_milestone_above_one": "line 4 (kr_id 'sales-1-kr2'), column 'value': got '50'; expected a milestone's fraction",
    "checkins_duplicate": "line 5, column '(kr_id, date)': got 'co-1-kr1, 2026-07-10'; expected a "
    "unique (kr_id, date)",
    "checkins_missing_column": "column 'date': expected a required column 'date'",
}


def test_every_bad_file_has_a_case() -> None:
    files = {path.name.split(".")[0] for path in BAD.glob("*.csv")}
    assert files == set(BAD_CASES)


@pytest.mark.parametrize("storage", ["pyarrow", "python"])  # report kernels hold Python strings
@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_file_names_file_line_column_value_and_expectation(
    case: str, storage: str, good_dir: Path
) -> None:
    bad = next(BAD.glob(f"{case}.*.csv"))
    stem = bad.name.split(".")[1]
    shutil.copy(bad, good_dir / f"{stem}.csv")
    with pytest.raises(DataError) as caught, pd.option_context("mode.string_storage", storage):
        load_workbook(good_dir)
    message = str(caught.value)
    assert message.startswith(f"{good_dir / (stem + '.csv')}: ")
    assert BAD_CASES[case] in message
    assert all(problem.file == good_dir / f"{stem}.csv" for problem in caught.value.problems)


def test_good_workbook_parses_every_documented_spelling() -> None:
    wb = load_workbook(GOOD)
    kpis = wb.kpis.set_index("kpi_id")
    assert kpis.loc["mrr", ["target", "warn_threshold", "critical_threshold"]].tolist() == [
        1200,
        1000,
        900,
    ]
    assert kpis.loc["churn_rate", ["target", "warn_threshold"]].tolist() == [2.0, 3.0]  # "2%" is 2
    assert kpis.loc["churn_rate", "kind"] == "lagging"  # empty -> default
    history = wb.kpi_history
    assert history["segment"].tolist()[:2] == ["emea", "all"]  # empty segment -> all
    assert history["value"].tolist()[:2] == [500, 1000]  # "1,000" -> 1000
    assert history["date"].dtype == "datetime64[us]"
    assert list(history.index) == [2, 3, 4, 5, 6, 7]  # index is the source line
    krs = wb.key_results.set_index("kr_id")
    assert (krs["quarter"] == pd.Period("2026Q3", freq="Q")).all()  # 2026-Q3 and 2026Q3
    assert krs.loc["co-1-kr2", "weight"] == 1.0  # empty weight -> 1
    objectives = wb.objectives.set_index("objective_id")
    assert objectives.loc["sales-1", "commitment"] == "aspirational"  # default
    assert objectives.loc["sales-1", "parent_objective_id"] == "co-1"
    assert len(wb.objectives) == 2 and len(wb.key_results) == 4


def test_findings_list_what_is_accepted_but_worth_a_look() -> None:
    findings = load_workbook(GOOD).findings
    assert findings[["check", "file", "line", "subject"]].values.tolist() == [
        ["kr_without_checkins", "okrs", 3, "co-1-kr2"]
    ]


def test_a_checkin_outside_its_key_results_quarter_is_a_finding(good_dir: Path) -> None:
    checkins = (GOOD / "checkins.csv").read_text() + "sales-1-kr1,2026-10-02,530,0.7,late\n"
    (good_dir / "checkins.csv").write_text(checkins)
    findings = load_workbook(good_dir).findings
    late = findings[findings["check"] == "checkin_outside_quarter"]
    assert late[["file", "line", "subject"]].values.tolist() == [
        ["checkins", len(checkins.splitlines()), "sales-1-kr1"]
    ]
    assert late["message"].tolist() == [
        "check-in dated 2026-10-02 is outside the key result's quarter 2026Q3"
    ]


def test_a_segment_without_history_of_its_own_kpi_is_a_finding(good_dir: Path) -> None:
    # churn_rate has no emea series (mrr has): the pair counts, not the segment alone
    okrs = (GOOD / "okrs.csv").read_text().replace(",%,churn_rate,,", ",%,churn_rate,emea,")
    (good_dir / "okrs.csv").write_text(okrs)
    findings = load_workbook(good_dir).findings
    missing = findings[findings["check"] == "segment_without_history"]
    assert missing[["file", "line", "subject"]].values.tolist() == [["okrs", 3, "co-1-kr2"]]
    assert missing["message"].tolist() == ["segment emea of KPI churn_rate has no history"]


def test_semicolon_file_with_bom_and_decimal_comma(good_dir: Path) -> None:
    (good_dir / "kpi_history.csv").write_text(
        "\ufeffvalue;date;kpi_id;segment\n"  # column order does not matter
        '"1.234,5";2026-07-06;mrr;emea\n'
        "0,85;2026-07-06;churn_rate;all\n"
        "12.5;2026-07-13;churn_rate;all\n"
        "€1.234.567;2026-07-06;mrr;all\n",
        encoding="utf-8",
    )
    history = load_workbook(good_dir).kpi_history
    assert history["value"].tolist() == [1234.5, 0.85, 12.5, 1234567.0]
    assert list(history.columns[:4]) == ["date", "kpi_id", "value", "segment"]


def test_blank_lines_are_ignored_but_counted(good_dir: Path) -> None:
    text = (GOOD / "checkins.csv").read_text().replace("\nsales-1-kr1", "\n\nsales-1-kr1")
    (good_dir / "checkins.csv").write_text(text.replace(",0.7,", ",7,"))
    with pytest.raises(DataError, match="line 4 \\(kr_id 'sales-1-kr1'\\), column 'confidence'"):
        load_workbook(good_dir)


def test_na_is_text_not_missing(good_dir: Path) -> None:
    text = (GOOD / "kpi_history.csv").read_text().replace("mrr,emea", "mrr,NA")
    (good_dir / "kpi_history.csv").write_text(text)
    assert "NA" in set(load_workbook(good_dir).kpi_history["segment"])


def test_extra_columns_are_kept(good_dir: Path) -> None:
    text = (GOOD / "checkins.csv").read_text().splitlines()
    rows = [text[0] + ",source"] + [line + ",jira" for line in text[1:]]
    (good_dir / "checkins.csv").write_text("\n".join(rows) + "\n")
    assert load_workbook(good_dir).checkins["source"].tolist() == ["jira"] * 3


def test_parquet_gives_the_same_workbook(good_dir: Path) -> None:
    csv = load_workbook(good_dir)
    csv.kpi_history.to_parquet(good_dir / "kpi_history.parquet", index=False)
    (good_dir / "kpi_history.csv").unlink()
    parquet = load_workbook(good_dir)
    pd.testing.assert_frame_equal(
        parquet.kpi_history.reset_index(drop=True), csv.kpi_history.reset_index(drop=True)
    )


def test_csv_and_parquet_side_by_side_is_an_error(good_dir: Path) -> None:
    load_workbook(good_dir).checkins.to_parquet(good_dir / "checkins.parquet", index=False)
    expected = "got 'checkins.csv and checkins.parquet'; expected exactly one of checkins.csv or"
    with pytest.raises(DataError, match=expected):
        load_workbook(good_dir)


def test_missing_file_is_an_error(good_dir: Path) -> None:
    (good_dir / "okrs.csv").unlink()
    with pytest.raises(DataError, match=r"okrs.csv: 1 problem\n  file: expected exactly one of okrs.csv"):
        load_workbook(good_dir)


def test_message_caps_at_fifty_problems(good_dir: Path) -> None:
    rows = "".join(f"2026-07-{d:02d},mrr,emea,x{d}\n" for d in range(1, 29)) + "".join(
        f"2026-08-{d:02d},mrr,emea,y{d}\n" for d in range(1, 29)
    )
    (good_dir / "kpi_history.csv").write_text("date,kpi_id,segment,value\n" + rows)
    with pytest.raises(DataError) as caught:
        load_workbook(good_dir)
    assert len(caught.value.problems) == 56
    assert str(caught.value).endswith("... and 6 more")
    assert str(caught.value).count("expected a number") == 50


def test_loading_never_changes_the_files(good_dir: Path) -> None:
    def digest() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in good_dir.iterdir()}

    before = digest()
    load_workbook(good_dir)
    assert digest() == before


def test_single_file_loaders_are_public() -> None:
    kpis = okrlib.load_kpis(GOOD / "kpis.csv")
    history = okrlib.load_kpi_history(GOOD, kpis)
    objectives, key_results = okrlib.load_okrs(GOOD, kpis)
    checkins = okrlib.load_checkins(GOOD / "checkins.csv", key_results)
    assert (len(kpis), len(history), len(objectives), len(key_results), len(checkins)) == (
        2,
        6,
        2,
        4,
        3,
    )


def test_an_empty_segment_repeats_the_key_of_its_default(good_dir: Path) -> None:
    # the empty segment becomes "all", so it repeats line 2's key; "all" alone is no repeat
    history = good_dir / "kpi_history.csv"
    history.write_text("date,kpi_id,segment,value\n2026-07-06,mrr,all,1\n2026-07-13,mrr,all,2\n")
    assert okrlib.load_kpi_history(history)["segment"].tolist() == ["all", "all"]
    history.write_text("date,kpi_id,segment,value\n2026-07-06,mrr,all,1\n2026-07-06,mrr,,2\n")
    with pytest.raises(DataError, match="line 3, column '\\(date, kpi_id, segment\\)'.*on line 2"):
        okrlib.load_kpi_history(history)


def test_sample_workbook_loads(sample: okrlib.Workbook) -> None:
    assert len(sample.kpis) >= 12
    assert [str(q) for q in sample.quarters] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert sample.teams() == [
        "Company",
        "Customer Success",
        "Marketing",
        "Operations",
        "Product",
        "Sales",
    ]
    assert set(sample.key_results["kr_type"]) == {
        "increase",
        "decrease",
        "at_least",
        "at_most",
        "milestone",
    }
    assert set(sample.objectives["commitment"]) == {"committed", "aspirational"}
    assert sample.kpi_history["date"].min() == pd.Timestamp("2024-07-01")
    assert sample.kpi_history["date"].max() == pd.Timestamp("2026-11-20")
    assert sample.checkins["confidence"].between(0, 1).all()
    assert sample.latest_date == pd.Timestamp("2026-11-20")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from okrlib.loading._keys import duplicated  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["2026-07-01", "2026-07-02", "2027-01-01", None]),
            st.sampled_from(["a", "b", None]),
            st.sampled_from(["all", "emea"]),
        ),
        max_size=30,
    )
)
def test_duplicate_keys_match_pandas(rows) -> None:
    frame = pd.DataFrame(rows, columns=["date", "kpi_id", "segment"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[us]")
    frame["kpi_id"] = frame["kpi_id"].astype("str")
    expected = frame.duplicated(["date", "kpi_id", "segment"], keep="first")
    assert duplicated(frame, ["date", "kpi_id", "segment"]).tolist() == expected.tolist()


def test_isin_helper_matches_pandas() -> None:
    from okrlib.model.frames import isin

    for storage in ("pyarrow", "python"):  # the Arrow path, and pandas' own for Python strings
        with pd.option_context("mode.string_storage", storage):
            values = pd.Series(["a", None, "b", "c"], dtype="str")
            for candidates in (
                pd.Series(["b", "a"], dtype="str"),
                ["c"],
                set(),
                pd.Index(["a"], dtype="str"),
            ):
                assert isin(values, candidates).tolist() == values.isin(candidates).tolist()
    numbers = pd.Series([1.0, 2.0])
    assert isin(numbers, [2.0]).tolist() == [False, True]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["2026-07-01", " 2026-07-01", "2026-07-02 ", "2026-07-03"]),
            st.sampled_from(["a", " a", "b", "b  "]),
            st.sampled_from(["all", "", " all", "emea", "  "]),
            st.sampled_from(["1", " 2.5", "3"]),
        ),
        min_size=1,
        max_size=12,
    ),
    parquet=st.booleans(),
)
def test_repeating_columns_parse_once_per_value_like_cell_by_cell(rows, parquet) -> None:
    # dates, ids and segments are parsed per distinct value; the result must equal parsing each cell
    raw = pd.DataFrame(rows, columns=["date", "kpi_id", "segment", "value"])
    expected = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"].str.strip()).astype("datetime64[us]"),
            "kpi_id": raw["kpi_id"].str.strip(),
            "value": raw["value"].str.strip().astype(float),
            "segment": raw["segment"].str.strip().replace("", "all"),
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        if parquet:
            path = Path(folder) / "kpi_history.parquet"
            raw.replace("", None).to_parquet(path)
        else:
            path = Path(folder) / "kpi_history.csv"
            raw.to_csv(path, index=False)
        duplicates = expected.duplicated(["date", "kpi_id", "segment"])
        if duplicates.any():
            with pytest.raises(DataError) as error:
                okrlib.load_kpi_history(path)
            first = int(duplicates.to_numpy().argmax()) + (1 if parquet else 2)
            assert f"{'row' if parquet else 'line'} {first}, column '(date, kpi_id, segment)'" in str(
                error.value
            )
            return
        frame = okrlib.load_kpi_history(path)
    assert frame.reset_index(drop=True).equals(expected)
    assert frame["kpi_id"].dtype == "str" and frame["date"].dtype == "datetime64[us]"


NUMBER_CELLS = ["1e3", "+5", ".5", "5.", " 5 ", "1E+02", "+.5e-1", "00012", '"7"']
NOT_PLAIN = ["0x10", "1_000", "5d", "1e", "--5", "−5", "nan", "NaN", "inf", "-Infinity", "85%", '"1,200"']


@pytest.mark.parametrize("odd", [None, *NOT_PLAIN])
def test_reader_numbers_follow_the_parser_rules(odd: str | None) -> None:
    # comma CSVs of plain numbers are parsed by the reader; any other cell sends the column
    # through okrlib.loading._parse: either way every cell must get the parser's value or error
    import pyarrow as pa

    from okrlib.loading._parse import parse_numbers

    cells = NUMBER_CELLS + ([odd] if odd else [])
    lines = [f"2024-07-{day:02d},mrr,all,{cell}" for day, cell in enumerate(cells, start=1)]
    texts = [cell.strip('"') or None for cell in cells]
    expected, bad = parse_numbers(pa.chunked_array([texts], pa.string()))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kpi_history.csv"
        path.write_text("date,kpi_id,segment,value\n" + "\n".join(lines) + "\n")
        if bad.any():
            with pytest.raises(DataError) as error:
                okrlib.load_kpi_history(path)
            message = f"line {len(cells) + 1} (kpi_id 'mrr'), column 'value': got {texts[-1]!r}"
            assert message in str(error.value)
            return
        loaded = okrlib.load_kpi_history(path)
    assert loaded["value"].tolist() == pytest.approx(expected.tolist(), nan_ok=True)


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_history_lookups_by_codes_equal_the_text_operations(sample, storage) -> None:
    from okrlib.model import history as _history

    with pd.option_context("mode.string_storage", storage):
        history = sample.kpi_history.astype({"kpi_id": "str", "segment": "str"})
        ids = ["mrr", "churn_rate", "not_a_kpi"]
        pd.testing.assert_frame_equal(_history.of_kpis(history, ids), history[history["kpi_id"].isin(ids)])
        pairs = history[["kpi_id", "segment"]].drop_duplicates().reset_index(drop=True)
        pd.testing.assert_frame_equal(_history.series(history), pairs, check_column_type=False)
        dates = history[["kpi_id", "date"]].drop_duplicates()
        by_codes = _history.kpi_dates(history)
        for kpi_id, group in dates.groupby("kpi_id"):  # over the sample's 14 KPIs
            mine = by_codes[by_codes["kpi_id"] == kpi_id]["date"]
            assert mine.tolist() == sorted(group["date"])
        assert list(_history.kpi_ids(history)) == list(pd.unique(history["kpi_id"]))


def test_history_codes_start_afresh_when_a_column_is_assigned_anew(sample) -> None:
    from okrlib.model import history as _history

    history = sample.kpi_history.copy()
    assert "all" in set(_history.series(history)["segment"])
    history["segment"] = "emea"  # the same frame, a new segment column
    assert set(_history.series(history)["segment"]) == {"emea"}
