"""The paragraphs of RESULTS.md, kept as Markdown in `bench/prose.md` rather than in
f-strings: the code writes the tables, this file the words around them."""

from __future__ import annotations

import functools
import re
from pathlib import Path

PROSE = Path(__file__).with_name("prose.md")
NAME = re.compile(r"^## (.+)$", re.MULTILINE)


@functools.cache
def paragraphs() -> dict[str, str]:
    """name -> the paragraph's text, its lines joined into one."""
    # [introduction, name, text, name, text, ...]: the file's own introduction goes.
    parts = NAME.split(PROSE.read_text())
    names, texts = parts[1::2], parts[2::2]
    return {name: " ".join(text.split()) for name, text in zip(names, texts, strict=True)}


def paragraph(name: str, **fields: object) -> list[str]:
    """The paragraph `name` with its fields filled in, and the blank line after it."""
    return [paragraphs()[name].format(**fields), ""]
