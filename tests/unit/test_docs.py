"""The docs a reader navigates: generated where they are reference, current, small at the
front, and every link going somewhere that exists inside the repository."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from provider import docs
from provider.api.settings import ALL_SETTINGS, Setting
from provider.docs import GENERATED, REFERENCE, ROOT, anchors, render, stale
from tests.reliability import ledger
from tests.reliability import test_bad_input as bad_input
from tests.reliability.front_ends import FRONT_ENDS

README = ROOT / "README.md"
DOC_FILES = [README, *sorted((ROOT / "docs").glob("*.md"))]
TWO_COMMANDS = """```sh
make up      # pulumi up on the `local` stack against the bundled emulator (does all its own set-up)
make test    # the whole test suite: lint, unit, emulator, provider, protocol, end-to-end, browser (what CI runs)
```"""

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """`text` without fenced code blocks and inline code (links there are not links)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def broken_links(path: Path, text: str) -> list[str]:
    broken = []
    for target in _LINK.findall(_prose(text)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        if not file_part:
            if anchor not in anchors(text):
                broken.append(f"{target} (no such heading)")
            continue
        dest = (path.parent / file_part).resolve()
        if ROOT not in (dest, *dest.parents):
            broken.append(f"{target} (outside the repository)")
        elif not dest.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and dest.suffix == ".md":
            if anchor not in anchors(dest.read_text()):
                broken.append(f"{target} (no such heading)")
    return broken


# --- generated reference -----------------------------------------------------------


def test_generated_docs_are_current():
    assert stale() == [], "generated docs are stale: run `python -m provider.docs`"


def test_a_stale_table_is_caught_and_regenerated():
    text = REFERENCE.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| `poll_interval_minutes`"))
    tampered = text.replace(row + "\n", "", 1)
    assert render(REFERENCE, tampered) != tampered
    assert render(REFERENCE, tampered) == text


def test_every_generated_block_is_in_its_file():
    for path, tables in GENERATED.items():
        text = path.read_text()
        for name in tables:
            assert f"<!-- schema:{name} -->" in text and f"<!-- /schema:{name} -->" in text


def test_the_settings_table_is_every_declared_setting():
    table = docs.settings_table()
    for setting in ALL_SETTINGS:
        assert f"`quickbooks:{setting.config_key}`" in table and setting.env_var in table


def test_a_setting_without_a_meaning_fails_the_generator(monkeypatch):
    extra = Setting("newThing", "QUICKBOOKS_NEW_THING", "base_url")
    monkeypatch.setattr(docs, "ALL_SETTINGS", (*ALL_SETTINGS, extra))
    with pytest.raises(ValueError, match="newThing"):
        docs.settings_table()


# --- README and links --------------------------------------------------------------


def test_readme_is_small_and_starts_with_the_two_commands():
    text = README.read_text()
    assert len(text.encode()) < 20_000, f"README.md is {len(text.encode())} bytes"
    assert text.split("\n", 2)[2].startswith(TWO_COMMANDS)


def test_readme_maps_every_doc():
    text = README.read_text()
    for doc in DOC_FILES[1:]:
        assert f"](docs/{doc.name})" in text, f"README's map lacks docs/{doc.name}"


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert broken_links(path, path.read_text()) == []


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_doc_points_outside_the_repository(path):
    assert "shared/" not in path.read_text()


def test_the_link_check_can_fail():
    text = (
        "# Title\n[ok](#title) [self](#nope) [gone](nowhere.md) [anchor](reference.md#no-such-heading) "
        "[out](../../shared/x.md) `[code](skipped.md)` [web](https://example.com/x)\n"
    )
    broken = broken_links(ROOT / "docs" / "x.md", text)
    assert broken == [
        "#nope (no such heading)",
        "nowhere.md (no such file)",
        "reference.md#no-such-heading (no such heading)",
        "../../shared/x.md (outside the repository)",
    ]


# --- reliability figures, written by the reliability run ------------------------


def test_the_recorded_reliability_figures_are_the_suites():
    rows = ledger.recorded_rows()
    kinds = (
        "faults, provider",
        "faults, pulumi CLI",
        "bad inputs, check",
        "bad inputs, pulumi preview",
        "isolation checks",
    )
    on_both = [f"{kind} ({front_end})" for kind in kinds for front_end in FRONT_ENDS]
    assert set(rows) == {
        *on_both,
        "isolation checks (emulator)",
        "secret-leak scans",
    }, f"record them: {ledger.RECORD_COMMAND}"
    for front_end in FRONT_ENDS:
        assert rows[f"bad inputs, check ({front_end})"][0] == len(bad_input.CASES)
        assert rows[f"bad inputs, pulumi preview ({front_end})"][0] == len(bad_input.PREVIEW_CASES)
    for name, (tried, result) in rows.items():
        if name == "secret-leak scans":
            assert result.startswith("0 hits"), result
        else:
            assert result.split()[0] == str(tried), (name, result)


def test_the_recorded_block_reads_back_what_the_ledger_wrote(tmp_path):
    book = ledger.Ledger(front_end="plugin")
    with book.fault("provider", "create × 503 × once"):
        pass
    with contextlib.suppress(AssertionError), book.fault("provider", "read × 503 × once"):
        raise AssertionError("not survived")
    book.bad_input("check", "empty name", True)
    book.isolated("other organization", True, "")
    doc = tmp_path / "reliability.md"
    doc.write_text(f"intro\n<!-- {ledger.MARKER} -->\nold\n<!-- /{ledger.MARKER} -->\nrest\n")
    ledger.record(book.table(), passed=3, seconds=1.0, doc=doc)
    assert ledger.recorded_rows(doc)["faults, provider (plugin)"] == (2, "1 survived")
    assert ledger.recorded_rows(doc)["bad inputs, check (plugin)"] == (1, "1 rejected")
    assert ledger.recorded_rows(doc)["isolation checks (emulator)"] == (1, "1 held")
    assert "  provider: read × 503 × once (plugin)" in doc.read_text()  # on one front-end
    assert doc.read_text().startswith("intro\n") and doc.read_text().endswith("rest\n")
    assert "old" not in doc.read_text()
