"""Every program the docs show runs as written: each `<!-- program:<language> <file> -->`
block of docs/plugin.md (the README's snippet is one of them, word for word), against
the emulator, on the installed package (`plugin_venv`; the TypeScript one on the Node.js
SDK of `plugin_node_modules`): preview, up, an up with no changes, destroy.

The stack config is what the documented set-up leaves: the provider settings, and an
instance declared and granted as `quickbooks-onboard` stores it
(`quickbooks:instances.books.oauth.code` encrypted, `.realm_id` a string).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import REPO
from harness.emulator import writes
from harness.node_sdk import typescript_files
from harness.pulumi_stack import PulumiStack, yaml_host_dir

BLOCK = re.compile(r"<!-- program:(\w+) (\S+) -->\n```\w*\n(.*?)```\n", re.S)
DOCS = REPO / "docs" / "plugin.md"


def programs(path: Path) -> dict[str, dict[str, str]]:
    """language -> {file name: text} of the marked blocks of a doc."""
    found: dict[str, dict[str, str]] = {}
    for language, name, text in BLOCK.findall(path.read_text()):
        found.setdefault(language, {})[name] = text
    return found


DOCUMENTED = programs(DOCS)


def test_the_docs_show_a_whole_program_per_language_and_the_readme_one_of_them():
    assert {k: sorted(v) for k, v in DOCUMENTED.items()} == {
        "python": ["Pulumi.yaml", "__main__.py"],
        "yaml": ["Pulumi.yaml"],
        "typescript": ["Pulumi.yaml", "index.ts"],
    }
    for files in DOCUMENTED.values():
        assert "plugins:\n  providers:\n    - name: quickbooks\n" in files["Pulumi.yaml"]
    readme = programs(REPO / "README.md")
    assert readme == {"python": {"__main__.py": DOCUMENTED["python"]["__main__.py"]}}


@pytest.mark.parametrize("language", ["python", "yaml", "typescript"])
def test_a_documented_program_runs_as_written(request, tmp_path, emu, app, plugin_venv, language):
    files = dict(DOCUMENTED[language])
    if language == "typescript":  # with what `pulumi new typescript` writes beside it
        files = typescript_files(files["Pulumi.yaml"], files["index.ts"])
    stack = PulumiStack(tmp_path / language, emu, app, files=files)
    # The program's `venv`, as the documented `pip install` made it.
    (stack.dir / "venv").symlink_to(plugin_venv)
    if language == "typescript":
        (stack.dir / "node_modules").symlink_to(request.getfixturevalue("plugin_node_modules"))
    if language == "yaml":
        stack.env["PATH"] = f"{yaml_host_dir()}:{stack.env['PATH']}"
    stack.env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    stack.set_instance("books", name="Books", callback_url="https://hooks.example.com/events")
    stack.grant("books")  # as quickbooks-onboard stores it

    emu.clear_requests()
    preview = stack.preview("--diff")
    assert "+ 2 to create" in preview.stdout and writes(emu) == []
    up = stack.up()
    assert writes(emu) == [("POST", "/instances")]
    [instance] = stack.resources()
    live = emu.api("GET", f"/instances/{instance['id']}").json()
    assert live["name"] == "Books"
    assert live["configuration"]["event.notification.callback.url"] == (
        "https://hooks.example.com/events"
    )
    emu.clear_requests()
    again = stack.up("--expect-no-changes")
    assert writes(emu) == []
    stack.destroy()
    assert writes(emu) == [("DELETE", f"/instances/{instance['id']}")]
    for run in (preview, up, again):
        output = run.stdout + run.stderr
        # The plugin is the one `plugins:` names: no search of PATH, no warning of it.
        assert "warning" not in output.lower(), output
