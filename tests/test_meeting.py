"""The review meeting's agenda and export, driven without a browser (tests/test_meeting_browser.py
serves it with Voila)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import mistune
import pytest
from conftest import BAD, GOOD, SAMPLE

import okrlib
from okrlib.analysis.whatif import what_if
from okrlib.cli import build_parser
from okrlib.presentation import scenarios
from okrlib.presentation.agenda import Agenda
from okrlib.reporting import meeting

WHEN = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def good() -> okrlib.Workbook:
    return okrlib.load_workbook(GOOD)


@pytest.fixture
def agenda(sample, tmp_path) -> Agenda:
    panel = meeting.agenda(sample, "2026-Q3", "Sales", out_dir=tmp_path / "reports")
    assert panel.objective.value == "sales-26q3-pipeline" and len(panel.objective.options) == 2
    return panel


# --- scenarios and export: tests/data/good, computed by hand ----------------------------------
# sales-1 "Win EMEA": kr1 increase 500 -> 600 at 520 (progress 0.2, weight 1) and kr2 a
# milestone at 0.5 (weight 1): progress (0.2 + 0.5) / 2 = 0.35, grade 0.4 (yellow).
# What if kr1 were at 580: (0.8 + 0.5) / 2 = 0.65, grade 0.7 (half up), green.


def test_scenario_of_one_edit_is_computed_by_hand(good) -> None:
    snapshot = okrlib.quarter_snapshot(good, "2026-Q3", team="Sales")
    edits = {"sales-1-kr1": 580.0}
    found = scenarios.scenarios(snapshot, what_if(snapshot, edits), edits, {})
    assert len(found) == 1
    item = found[0]
    assert item.objective_id == "sales-1" and item.objective == "Win EMEA"
    assert item.changes == (
        scenarios.Change("sales-1-kr1", "Grow EMEA MRR", "current value", "$520", "$580"),
    )
    assert item.progress_before == pytest.approx(0.35) and item.progress_after == pytest.approx(0.65)
    assert (item.grade_before, item.grade_after, item.band_after) == (0.4, 0.7, "green")
    assert item.note == ""


def test_target_edit_and_note(good) -> None:
    snapshot = okrlib.quarter_snapshot(good, "2026-Q3", team="Sales")
    # target 540: kr1 at 520 is (520 - 500) / (540 - 500) = 0.5 of the way: (0.5 + 0.5) / 2 = 0.5
    targets = {"sales-1-kr1": 540.0}
    found = scenarios.scenarios(snapshot, what_if(snapshot, {}, targets), {}, targets, {"sales-1": "ok"})
    assert found[0].changes[0].what == "target" and found[0].changes[0].after == "$540"
    assert found[0].progress_after == pytest.approx(0.5) and found[0].grade_after == 0.5
    assert found[0].note == "ok"


def test_no_edit_and_no_note_is_no_scenario(good) -> None:
    snapshot = okrlib.quarter_snapshot(good, "2026-Q3", team="Sales")
    same = {"sales-1-kr1": 520.0}  # moved and put back
    assert scenarios.scenarios(snapshot, what_if(snapshot, same), same, {}, {"sales-1": "  \n"}) == []


def test_export_markdown_states_the_change_and_its_result(good) -> None:
    snapshot = okrlib.quarter_snapshot(good, "2026-Q3", team="Sales")
    edits = {"sales-1-kr1": 580.0}
    found = scenarios.scenarios(snapshot, what_if(snapshot, edits), edits, {}, {"sales-1": "Agreed."})
    text = scenarios.export_markdown(found, "2026-Q3", "Sales", WHEN)
    assert text.startswith("# Review meeting: Sales, 2026\\-Q3\n")
    assert "Exported 2026-07-14 09:30 UTC" in text
    assert "## Win EMEA" in text
    assert "- Grow EMEA MRR: current value $520 → $580" in text
    assert "- progress 35.0% → **65.0%**, grade 0.4 → **0.7** (green)" in text
    assert "> Agreed\\." in text


def test_a_note_cannot_break_the_document() -> None:
    note = "# Heading\n\n---\n## Other objective\n<script>alert(1)</script>\n1. list\n```\ncode"
    item = scenarios.Scenario("o", "Title [x](javascript:y)", (), 0.1, 0.2, 0.1, 0.2, "red", 0.2, note)
    text = scenarios.export_markdown([item], "2026-Q3", "Sales <b>", WHEN)
    tokens = mistune.create_markdown(renderer=None)(text)
    headings = [t for t in tokens if t["type"] == "heading"]
    assert [h["attrs"]["level"] for h in headings] == [1, 2]  # the document's own, nothing from the note
    assert tokens[-1]["type"] == "block_quote"  # the whole note is one quote
    html = mistune.html(text)
    assert "<script>" not in html and "<b>" not in html and "<a " not in html
    assert "&lt;script&gt;" in html


def test_markdown_inline_flattens_lines() -> None:
    assert scenarios.markdown_inline("a\n# b") == "a \\# b"


# --- writing: atomic, never over an earlier export ---------------------------------------------


def test_write_export_never_overwrites(tmp_path) -> None:
    first = meeting.write_export("one\n", tmp_path / "2026-Q3", "sales")
    second = meeting.write_export("two\n", tmp_path / "2026-Q3", "sales")
    third = meeting.write_export("three\n", tmp_path / "2026-Q3", "sales")
    assert [p.name for p in (first, second, third)] == [
        "sales-meeting.md",
        "sales-meeting-2.md",
        "sales-meeting-3.md",
    ]
    assert first.read_text() == "one\n" and third.read_text() == "three\n"
    assert sorted(p.name for p in (tmp_path / "2026-Q3").iterdir()) == [
        "sales-meeting-2.md",
        "sales-meeting-3.md",
        "sales-meeting.md",
    ]  # no temporary file left


def test_agenda_export_uses_the_reports_slug_and_leaves_data_alone(good_dir, tmp_path) -> None:
    okrs = good_dir / "okrs.csv"
    okrs.write_text(okrs.read_text().replace(",Sales,", ",Sales/EMEA <b>,"))
    before = {p.name: p.read_bytes() for p in good_dir.iterdir()}
    panel = meeting.agenda(okrlib.load_workbook(good_dir), "2026-Q3", "Sales/EMEA <b>", tmp_path / "out")
    panel.sliders["sales-1-kr1"].value = 580.0
    panel.note.value = "Ship it"
    path = panel.export()
    assert path == tmp_path / "out" / "2026-Q3" / "sales-emea-b-meeting.md"
    text = path.read_text()
    assert "current value $520 → $580" in text and "> Ship it" in text
    assert "grade 0.4 → **0.7** (green)" in text
    assert panel.export().name == "sales-emea-b-meeting-2.md"
    assert "Sales/EMEA &lt;b&gt;" in panel.position.value and "EMEA <b>" not in panel.position.value
    assert {p.name: p.read_bytes() for p in good_dir.iterdir()} == before


def test_company_view_exports_as_company(good, tmp_path) -> None:
    panel = meeting.agenda(good, "2026-Q3", None, tmp_path)
    panel.note.value = "All hands"
    path = panel.export()
    assert path.name == "company-meeting.md" and "the whole company" in path.read_text()


# --- the agenda ---------------------------------------------------------------------------------


def test_next_and_previous_walk_the_objectives(agenda) -> None:
    assert "objective 1 of 2" in agenda.position.value and agenda.previous.disabled
    title = agenda.header_view.value
    agenda.next.click()
    assert agenda.objective.value == "sales-26q3-expansion" and "objective 2 of 2" in agenda.position.value
    assert agenda.header_view.value != title and agenda.next.disabled and not agenda.previous.disabled
    agenda.next.click()  # at the end: stays
    assert agenda.objective.value == "sales-26q3-expansion"
    agenda.previous.click()
    assert agenda.objective.value == "sales-26q3-pipeline"


def test_objective_shows_owner_krs_checkin_note_kpi_charts_and_verdicts(agenda) -> None:
    assert "Dana Kim" in agenda.header_view.value
    table = agenda.key_results_view.value
    assert "$798K → $826K of $894K" in table and "Sep 25" in table  # real values, latest check-in
    assert len(agenda.kpi_charts) == 2  # new_customers and mrr
    shaded = agenda.kpi_charts[0].layer[0].data
    assert shaded["label"].tolist() == ["2026-Q3"]
    assert "no clear effect" in agenda.impact_view.value


def test_latest_checkin_note_is_shown_escaped(good_dir, tmp_path) -> None:
    checkins = good_dir / "checkins.csv"
    checkins.write_text(checkins.read_text().replace("half way", "<i>half</i> way"))
    panel = meeting.agenda(okrlib.load_workbook(good_dir), "2026-Q3", "Sales", tmp_path)
    assert "&lt;i&gt;half&lt;/i&gt; way" in panel.key_results_view.value


def test_team_change_shows_that_teams_objectives(agenda) -> None:
    agenda.team.value = "Marketing"
    shown = agenda.objectives.set_index("objective_id").loc[agenda.objective.value]
    assert shown["team"] == "Marketing" and shown["objective"] in agenda.header_view.value
    assert "Marketing, 2026-Q3: objective 1 of" in agenda.position.value


def test_what_if_moves_progress_shown_and_returns_with_the_team(agenda) -> None:
    kr = "sales-26q3-pipeline-kr2"
    before = agenda.header_view.value
    agenda.sliders[kr].value = agenda.key_results.set_index("kr_id").at[kr, "target"]
    assert agenda.header_view.value != before
    after = agenda.header_view.value
    agenda.team.value = "Marketing"
    agenda.team.value = "Sales"
    assert agenda.header_view.value == after and agenda.sliders[kr].value == agenda.current_overrides[kr]


def test_notes_are_kept_per_objective(agenda) -> None:
    agenda.note.value = "first"
    agenda.next.click()
    assert agenda.note.value == ""
    agenda.note.value = "second"
    agenda.previous.click()
    assert agenda.note.value == "first"
    assert agenda.notes == {"sales-26q3-pipeline": "first", "sales-26q3-expansion": "second"}


# --- errors as people read them ---------------------------------------------------------------


def test_bad_data_folder_shows_its_problems_not_a_traceback(tmp_path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(BAD, folder)
    view = meeting.app(folder)
    assert "The meeting cannot start" in view.value and "Traceback" not in view.value
    with pytest.raises(okrlib.DataError) as raised:
        okrlib.load_workbook(folder)
    assert view.value.count("<li>") == len(raised.value.problems)


def test_missing_folder_is_a_problem_too(tmp_path) -> None:
    view = meeting.app(tmp_path / "nowhere")
    assert "expected an existing data folder or file" in view.value


@pytest.mark.parametrize(
    ("quarter", "team", "says"),
    [
        ("2030-Q1", None, "no objectives in 2030-Q1; quarters: 2025-Q4"),
        ("soon", None, "&#x27;soon&#x27; is not a quarter"),
        ("2026-Q3", "<Nobody>", "no objectives of team &#x27;&lt;Nobody&gt;&#x27; in 2026-Q3; teams: "),
    ],
)
def test_unknown_quarter_or_team_is_said_in_the_page(sample, quarter, team, says) -> None:
    view = meeting.app(SAMPLE, quarter, team)
    assert "The meeting cannot start" in view.value and says in view.value


def test_cli_meeting_options() -> None:
    args = build_parser().parse_args(
        ["meeting", "--data", "d", "--quarter", "2026-Q3", "--team", "Sales", "--port", "9"]
    )
    assert (args.data, args.quarter, args.team, args.port, args.out) == (
        "d",
        "2026-Q3",
        "Sales",
        9,
        "reports",
    )


# --- the server's pieces (the browser test runs the whole) -----------------------------------


def test_served_notebook_gets_absolute_parameters_and_this_interpreter(tmp_path, monkeypatch) -> None:
    import nbformat

    from okrlib.reporting import serve as _meeting_server

    monkeypatch.chdir(tmp_path)
    path = _meeting_server._write_notebook(
        tmp_path, {"data_dir": "d", "quarter": "2026-Q3", "team": "Sales", "out_dir": "/r"}
    )
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'team = "Sales"' in injected[0].source
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_shipped_notebook_has_parameters_and_no_outputs() -> None:
    import nbformat

    from okrlib.reporting import serve as _meeting_server

    notebook = nbformat.read(_meeting_server.notebook_path(), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.tags
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert (_meeting_server.templates_root() / "voila" / "templates" / "okrlib-meeting").is_dir()


def test_a_taken_port_is_an_error_and_leaves_nothing(tmp_path, monkeypatch) -> None:
    import socket
    import tempfile

    from okrlib.reporting import serve as _meeting_server

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            server = _meeting_server.start(SAMPLE, port=port, timeout=60)
        except okrlib.OkrlibError as error:
            assert "did not start" in str(error) and "already in use" in str(error)
        else:  # never leave a server running
            _meeting_server.stop(server)
            pytest.fail("started on a taken port")
    assert list(tmp_path.iterdir()) == []
