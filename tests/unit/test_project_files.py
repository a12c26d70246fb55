"""Every file or folder `pyproject.toml` names (in its settings or its comments) exists:
a comment that points at a moved module misleads whoever edits the dependencies."""

from __future__ import annotations

import re

from harness import REPO

# A repository path: folders joined by `/`, or a file name with a known extension.
PATH = re.compile(
    r"(?<![\w./-])((?:[\w.-]+/)+[\w.-]*\w|[\w-]+\.(?:py|md|txt|lock|png|toml|yaml|sh))(?![\w/-])"
)


def named_paths(text: str) -> set[str]:
    return {found.rstrip(".") for found in PATH.findall(text)}


def test_the_path_reader_finds_paths_and_nothing_else():
    text = (
        'readme = "README.md"\n# provider/onboard/stack.py and scripts/langhost import it;\n'
        "# bench/scale.png (python -m bench), uv.lock pins; pulumi.dynamic is a module\n"
    )
    assert named_paths(text) == {
        "README.md",
        "provider/onboard/stack.py",
        "scripts/langhost",
        "bench/scale.png",
        "uv.lock",
    }


def test_every_path_pyproject_names_exists():
    named = named_paths((REPO / "pyproject.toml").read_text())
    assert {"README.md", "uv.lock", "scripts/local_config.py"} <= named  # the reader reads it
    assert sorted(p for p in named if not (REPO / p).exists()) == []
