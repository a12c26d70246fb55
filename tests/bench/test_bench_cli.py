"""`python -m bench` refuses an output it could not write before it measures anything, and
its "uncommitted changes" note watches the code the bench actually runs."""

from __future__ import annotations

import ast
import subprocess

import pytest

from bench import __main__ as cli
from bench import machine, runner
from harness import REPO


@pytest.fixture
def no_measuring(monkeypatch):
    def measure(*_args, **_kwargs):
        raise AssertionError("measured before the output path was checked")

    monkeypatch.setattr(runner, "run", measure)


@pytest.mark.parametrize("option", ["--out", "--json", "--chart", "--saved"])
def test_an_output_in_a_missing_folder_is_one_line_before_any_measuring(
    option, tmp_path, capsys, no_measuring
):
    missing = tmp_path / "no-such-folder" / "file"
    assert cli.main(["--out", str(tmp_path / "RESULTS.md"), option, str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"python -m bench: {option} {missing}: the folder {missing.parent} does not exist\n"
    )
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_out_naming_a_folder_is_refused(tmp_path, capsys, no_measuring):
    assert cli.main(["--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"python -m bench: --out {tmp_path} is a folder; give the file to write\n"
    )


def test_rerender_checks_its_outputs_too(tmp_path, capsys):
    out = tmp_path / "gone" / "RESULTS.md"
    assert cli.main(["--rerender", "--out", str(out), "--saved", str(tmp_path / "x")]) == 2
    assert "--out" in capsys.readouterr().err


def _git(repo, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


def test_uncommitted_changes_count_in_the_code_the_bench_runs_not_in_its_outputs(tmp_path):
    _git(tmp_path, "init", "-q")
    for name in ("provider/x.py", "harness/y.py", "bench/RESULTS.md", "README.md"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("one\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "start")
    assert machine.uncommitted_changes(tmp_path) == []

    (tmp_path / "bench" / "RESULTS.md").write_text("a run's output\n")
    (tmp_path / "README.md").write_text("prose the bench never runs\n")
    assert machine.uncommitted_changes(tmp_path) == []
    (tmp_path / "harness" / "y.py").write_text("two\n")
    assert machine.uncommitted_changes(tmp_path) == [" M harness/y.py"]


def test_the_watched_paths_cover_every_package_the_bench_imports():
    local = {p.name for p in REPO.iterdir() if (p / "__init__.py").exists()}
    imported = set()
    for folder in ("bench", "harness"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    imported.add(node.module.split(".")[0])
                elif isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
    assert {"provider", "emulator", "harness"} <= imported & local  # the reader reads them
    assert sorted((imported & local) - set(machine.BENCHED)) == []
    assert sorted(p for p in machine.BENCHED if not (REPO / p).exists()) == []
