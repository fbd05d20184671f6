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


def test_the_okrlib_command_imports_no_chart_or_statistics_library_and_no_format_checkers() -> None:
    # the renderer's process draws no chart: altair, scipy and jsonschema's format checkers
    # (the IRI grammar alone, python-jsonschema#1392) cost it 2 to 3 s of start-up
    probe = (
        "import sys\n"
        "from okrlib import cli\n"
        f"assert cli.main(['check', '--data', {str(ROOT / 'data')!r}]) == 0\n"
        "import okrlib.report, jsonschema, jsonschema._format\n"
        "print([m for m in ('altair', 'scipy', 'okrlib.charts', 'okrlib.present') if m in sys.modules])\n"
        "print([m for m in ('rfc3987_syntax', 'isoduration', 'arrow', 'webcolors', 'uri_template')"
        " if sys.modules.get(m) is not None])\n"
    )
    assert printed_by(probe)[-2:] == ["[]", "[]"]


def test_okrlib_imports_no_scipy_and_csv_data_no_parquet_reader() -> None:
    # importing scipy.special cost every report kernel 0.1 to 0.2 s (okrlib/_student_t.py);
    # pyarrow.parquet 7 ms, needed only for Parquet data
    probe = (
        "import sys\n"
        "import okrlib\n"
        "from okrlib import charts, impact, kpi, lint, present, review, widgets, whatif\n"
        f"okrlib.load_workbook({str(ROOT / 'data')!r})\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('scipy', 'statsmodels')])\n"
        "print([m for m in sys.modules if m.startswith('pyarrow.parquet')])\n"
    )
    assert printed_by(probe)[-2:] == ["[]", "[]"]


def _rules_block(text: str, name: str) -> str:
    start, end = f"<!-- rules:{name} -->", f"<!-- /rules:{name} -->"
    return " ".join(text.split(start, 1)[1].split(end, 1)[0].split())


def test_readme_quotes_the_progress_rules_verbatim() -> None:
    import okrlib.progress

    doc = okrlib.progress.__doc__
    rules = doc[doc.index("Rules (the README quotes these)") :].split("\n", 2)[2]
    assert _rules_block((ROOT / "README.md").read_text(), "progress") == " ".join(rules.split())


def test_readme_quotes_the_kpi_health_and_impact_rules_verbatim() -> None:
    import inspect

    import okrlib.impact
    import okrlib.kpi

    readme = (ROOT / "README.md").read_text()
    kpi_rules = okrlib.kpi.__doc__.split("Rules\n-----\n", 1)[1]
    health = inspect.cleandoc(okrlib.kpi.health_status.__doc__).split("\n", 1)[1]
    impact_rules = okrlib.impact.__doc__.split("\n", 1)[1]
    assert _rules_block(readme, "kpi") == " ".join(kpi_rules.split())
    assert _rules_block(readme, "health") == " ".join(health.split())
    assert _rules_block(readme, "impact") == " ".join(impact_rules.split())


def test_notebooks_have_no_outputs_and_a_parameters_cell() -> None:
    import nbformat

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        assert all(not cell.outputs and cell.execution_count is None for cell in code), path.name
        assert any("parameters" in cell.metadata.get("tags", []) for cell in code), path.name


def test_readme_quotes_the_review_rules_and_lists_every_lint_rule() -> None:
    import okrlib.lint
    import okrlib.review

    readme = (ROOT / "README.md").read_text()
    rules = okrlib.review.__doc__.split("-------------------------------\n", 1)[1]
    assert _rules_block(readme, "review") == " ".join(rules.split())
    for rule in okrlib.lint.RULES.values():
        assert f"| {rule.id} | `{rule.name}` | {rule.severity} |" in readme


def test_the_quarter_index_template_ships_as_package_data() -> None:
    from okrlib import report

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = {path for pattern in patterns["okrlib"] for path in (ROOT / "okrlib").glob(pattern)}
    assert report.TEMPLATES / report.INDEX_TEMPLATE in shipped
