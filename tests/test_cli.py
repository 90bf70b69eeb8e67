"""The command line: help, exit codes, messages, and that it stays a thin, fast shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from conftest import make_campaign
from typer.testing import CliRunner

from postergen.cli import app

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)


def run(*args):
    return runner.invoke(app, [str(a) for a in args], terminal_width=100)


def test_commands_exist():
    assert COMMANDS == ["batch", "build", "codes", "export", "init", "leads", "preview", "report", "schema", "serve", "templates", "validate"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Example: postergen " + name in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("postergen 0.")


def test_import_is_lazy():
    # --help must answer fast: the CLI module may not pull in Pillow, pydantic or fontTools.
    code = "import sys, postergen.cli; print(sorted(m for m in ('PIL', 'pydantic', 'fontTools', 'segno', 'rich', 'ruamel') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("code", [0, 2])
def test_the_process_ends_with_the_command_s_code_and_all_its_output(tmp_path, code):
    """main() ends the process without the interpreter's teardown when nothing is left
    to wait for: the exit code and every line written (into a pipe) must survive it."""
    import os

    spec = make_campaign(tmp_path, text=None if code == 0 else (lambda t: t.replace("  headline:", "  headlne:")))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-m", "postergen", "validate", str(spec)], capture_output=True, text=True, env=env)
    assert done.returncode == code
    if code == 0:
        assert done.stdout == f"{spec}: ok (0 warnings)\n"
    else:
        assert "headlne" in done.stdout + done.stderr and (done.stdout + done.stderr).endswith("nothing was rendered.\n")


def test_validate_ok(tmp_path):
    form = {"endpoint": "https://api.example.com/leads", "privacy_url": "https://h5.example.com/privacy"}
    spec = make_campaign(tmp_path, {"landing": {"form": form}, "theme.primary": "#C73A27"})
    result = run("validate", spec)
    assert result.exit_code == 0
    assert result.output.strip() == f"{spec}: ok (0 warnings)"


def test_validate_reports_every_problem_and_exits_2(tmp_path):
    spec = make_campaign(tmp_path, text=lambda t: t.replace("  headline:", "  headlne:").replace('"#E8432E"', "red"))
    result = run("validate", spec)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert f"{spec}:14 poster.headlne: unknown field — did you mean 'headline'?" in lines
    assert any(line.startswith(f"{spec}:26 theme.primary: 'red' is not a colour") for line in lines)
    assert lines[-1] == "2 problems found; nothing was rendered."


def test_validate_json(tmp_path):
    spec = make_campaign(tmp_path, {"poster.headline": 5})
    result = run("validate", spec, "--json")
    assert result.exit_code == 2
    data = json.loads(result.output)
    assert data["ok"] is False
    assert data["problems"][0]["path"] == "poster.headline"
    assert data["problems"][0]["line"] == 14


def test_build_writes_posters_and_summary(tmp_path):
    spec = make_campaign(tmp_path / "c")
    result = run("build", spec, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"1 poster: 1 written, 0 unchanged → {tmp_path / 'out'}"
    assert (tmp_path / "out" / "posters" / "bold" / "bold-1080x1920.png").is_file()
    again = run("build", spec, "-o", tmp_path / "out", "--json")
    assert json.loads(again.output)["unchanged"] == ["posters/bold/bold-1080x1920.png"]


def test_build_bad_spec_exits_2_and_writes_nothing(tmp_path):
    spec = make_campaign(tmp_path / "c", {"poster.benefits": ["只有一条"]})
    result = run("build", spec, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "poster.benefits: has 1 item; at least 2 are required" in result.output
    assert not (tmp_path / "out").exists()


def test_schema_is_json_schema():
    result = run("schema")
    schema = json.loads(result.output)
    assert schema["title"] == "postergen campaign spec"
    assert {"campaign", "landing_url", "brand", "poster"} <= set(schema["required"])


def test_init_then_build(tmp_path):
    folder = tmp_path / "new"
    result = run("init", folder)
    assert result.exit_code == 0
    assert (folder / "campaign.yaml").is_file()
    assert run("validate", folder).exit_code == 0
    assert run("build", folder, "-o", tmp_path / "out").exit_code == 0
    again = run("init", folder)
    assert again.exit_code == 2
    assert again.output.strip() == f"error: {folder} is not empty; choose a new folder or pass --force"


def test_templates_lists_builtins():
    result = run("templates")
    assert result.exit_code == 0 and result.output.startswith("bold")
    from postergen.template import BUILTIN_DIR

    assert f"in {BUILTIN_DIR}: copy one" in result.output


def test_public_api_names_are_the_functions():
    import postergen

    for name in postergen.__all__:
        if name != "__version__":
            assert callable(getattr(postergen, name)), name
    # Importing every submodule must not shadow an exported function with a module.
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(postergen.__path__):
        if info.name != "__main__":  # that one runs the CLI
            importlib.import_module(f"postergen.{info.name}")
    for name in postergen.__all__:
        if name != "__version__":
            assert callable(getattr(postergen, name)), f"postergen.{name} is shadowed by a submodule"


def test_wheel_package_list_matches_the_source_tree():
    """pyproject lists the packages by hand (the top-level templates/ and fonts/ are mapped
    into the package): a new subpackage or template folder must be listed, or the wheel
    would silently lack it."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    setup = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setup["packages"])
    code = {
        ".".join(p.parent.relative_to(root).parts)
        for p in (root / "postergen").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    data = {"postergen.templates", "postergen.fonts"} | {
        "postergen.templates." + d.name for d in (root / "templates").iterdir() if d.is_dir()
    } | {
        "postergen.scaffold." + d.name for d in (root / "postergen" / "scaffold").iterdir() if d.is_dir()
    }
    assert listed == code | data | {"postergen.scaffold"}
    assert setup["package-dir"] == {"postergen.templates": "templates", "postergen.fonts": "fonts"}
    # Every bundled file's suffix is one the package data patterns take.
    patterns = setup["package-data"]["*"]
    for folder in ("templates", "fonts", "postergen/scaffold"):
        for file in (root / folder).rglob("*"):
            if file.is_file() and "__pycache__" not in file.parts:
                assert any(file.match(p) for p in patterns), f"{file} would be left out of the wheel"


def test_bundled_folders_are_found_from_a_source_checkout():
    from postergen.bundled import FONTS_DIR, TEMPLATES_DIR

    assert (TEMPLATES_DIR / "posters" / "bold.yaml").is_file()
    assert (FONTS_DIR / "NotoSansSC-Regular.otf").is_file()


def test_installed_distribution_carries_fonts_and_templates():
    # CI installs a real wheel: the fonts, templates and starter must be inside it.
    from importlib.metadata import distributions

    # The installed distribution (its RECORD lists the files in site-packages), not the
    # postergen.egg-info that `pip install .` leaves in the source tree, which the current
    # folder puts first on sys.path (its SOURCES.txt lists the repository's own paths).
    installed = [d for d in distributions(name="postergen") if d.read_text("RECORD") is not None]
    if not installed:
        pytest.skip("postergen is not installed (running from a source tree only)")
    listed = {str(f) for f in installed[0].files or []}
    if not any(name.endswith("pipeline.py") for name in listed):
        pytest.skip("an editable install lists no package files")
    for wanted in (
        "postergen/fonts/NotoSansSC-Regular.otf",
        "postergen/fonts/NotoSansSC-Bold.otf",
        "postergen/fonts/OFL.txt",
        "postergen/templates/posters/bold.yaml",
        "postergen/templates/posters/photo.yaml",
        "postergen/templates/posters/minimal.yaml",
        "postergen/templates/pages/redirect.html.j2",
        "postergen/scaffold/campaign.yaml",
    ):
        assert wanted in listed, wanted


def test_a_command_started_with_its_output_closed_still_ends_well():
    """Python starts with sys.stdout None when fd 1 is closed (`postergen … >&-`)."""
    import os

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-m", "postergen", "--version"], env=env, capture_output=False,
                          stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert done.returncode == 0, done.stderr
