"""Packaging: environment.yml mirrors pyproject, the CLI entry points run."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_environment_yml_lists_every_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = (ROOT / "environment.yml").read_text()
    listed = {_name(line.strip()[2:]) for line in environment.splitlines() if line.strip().startswith("- ")}
    missing = {_name(dep) for dep in project["dependencies"]} - listed
    assert not missing, f"environment.yml lacks {sorted(missing)}"
    assert "name: okrlib" in environment and "conda-forge" in environment and "-e ." in environment


def test_python_dash_m_okrlib_checks_the_sample() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "okrlib", "check", "--data", str(ROOT / "data")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "KPIs: 14" in done.stdout


def test_cli_reports_data_errors_with_exit_code_1(tmp_path) -> None:
    (tmp_path / "kpis.csv").write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "okrlib", "check", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "okrlib check: error:" in done.stderr and "kpis.csv" in done.stderr


def printed_by(probe: str) -> list[str]:
    """The lines a Python snippet prints in a fresh interpreter (which must succeed)."""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_okrlib_command_imports_no_chart_or_statistics_library_and_no_iri_grammar() -> None:
    # the renderer's process draws no chart: altair and scipy would cost it start-up; and
    # jsonschema is held below 4.25 (pyproject.toml), whose IRI checker rfc3987-syntax builds
    # a grammar for 0.7 to 1.2 s at import (python-jsonschema#1392)
    probe = (
        "import sys\n"
        "from okrlib import cli\n"
        f"assert cli.main(['check', '--data', {str(ROOT / 'data')!r}]) == 0\n"
        "import okrlib.reporting.report\n"
        "print([m for m in ('altair', 'scipy', 'okrlib.presentation.charts', 'okrlib.presentation.present') if m in sys.modules])\n"
        "import altair, jsonschema  # as a report kernel does\n"
        "print([m for m in ('rfc3987_syntax',) if m in sys.modules])\n"
    )
    assert printed_by(probe)[-2:] == ["[]", "[]"]


def test_okrlib_imports_scipy_only_for_the_odds_and_csv_data_no_parquet_reader() -> None:
    # scipy.special (0.13 s) is imported by the forecast odds that use it, not by importing
    # okrlib; pyarrow.parquet (7 ms) only for Parquet data
    probe = (
        "import sys\n"
        "import okrlib\n"
        "from okrlib.analysis import impact, kpi, lint, review, whatif\n"
        "from okrlib.presentation import charts, present, widgets\n"
        f"okrlib.load_workbook({str(ROOT / 'data')!r})\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('scipy', 'statsmodels')])\n"
        "print([m for m in sys.modules if m.startswith('pyarrow.parquet')])\n"
    )
    assert printed_by(probe)[-2:] == ["[]", "[]"]


def _words(text: str) -> str:
    """Text without markup (HTML tags, markdown emphasis and headings), whitespace folded."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[*#]+", " ", text)
    return " ".join(text.split())


def test_readme_quotes_the_report_appendix_word_for_word() -> None:
    from okrlib.presentation._rules_text import RULES

    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- rules -->", 1)[1].split("<!-- /rules -->", 1)[0]
    assert _words(block) == _words(" ".join(f"{title} {body}" for title, body in RULES))


def test_the_appendix_quotes_the_constants_the_code_uses() -> None:
    from okrlib.analysis import changes, kpi, progress, review
    from okrlib.presentation._rules_text import RULES

    text = _words(" ".join(body for _, body in RULES))
    assert f"at most {round(100 * progress.ON_TRACK_TOLERANCE)} points behind" in text
    assert f"at most {round(100 * progress.AT_RISK_TOLERANCE)} points behind" in text
    assert f"average over the last {kpi.MEAN_WINDOW_DAYS} days" in text
    assert f"by default {changes.SINCE_DAYS} days before" in text
    assert f"for {changes.STALE_DAYS} days or more" in text
    assert f"fewer than {review.MIN_GRADED} graded" in text
    assert [limit for _, limit in progress.GRADE_BANDS[:2]] == [0.7, 0.4]
    assert "green from 0.7, yellow from 0.4" in text
    from okrlib.analysis import impact

    assert f"fewer than {impact.MIN_BASELINE_WEEKS} weeks before or {impact.MIN_POST_WEEKS} weeks in" in text
    assert f"({impact.MIN_BASELINE_MONTHS} months before or {impact.MIN_POST_MONTHS} months in" in text
    assert f"({impact.BASELINE_WEEKS} weeks)" in text and f"({impact.BASELINE_MONTHS} months," in text
    assert f"{impact.MONTHLY_SPACING_DAYS} days or more apart" in text
    weekly, monthly = (round((1 - impact.VERDICT_LEVEL[period]) * 1000) for period in ("week", "month"))
    assert f"only {weekly} times in 1,000 for a weekly KPI and {monthly} for a monthly one" in text


def test_the_reference_lists_every_lint_rule() -> None:
    import okrlib.analysis.lint

    reference = (ROOT / "docs" / "reference.md").read_text()
    for rule in okrlib.analysis.lint.RULES.values():
        assert f"| {rule.id} | `{rule.name}` | {rule.severity} |" in reference


def test_notebooks_have_no_outputs_and_a_parameters_cell() -> None:
    import nbformat

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        assert all(not cell.outputs and cell.execution_count is None for cell in code), path.name
        assert any("parameters" in cell.metadata.get("tags", []) for cell in code), path.name


def test_the_quarter_index_template_ships_as_package_data() -> None:
    from okrlib.reporting import _index, _page

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = {
        path
        for pattern in patterns["okrlib.reporting"]
        for path in (ROOT / "okrlib" / "reporting").glob(pattern)
    }
    assert _page.TEMPLATES / _index.INDEX_TEMPLATE in shipped
