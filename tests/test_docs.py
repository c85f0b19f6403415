"""The docs stay true: docs/architecture.md fits a page (80 lines) and names files that exist;
the README's project layout lists every module."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dashboard", "initdash", "bench", "deploy")


def layout_block() -> str:
    """The README's "Project layout" code block."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Project layout", 1)[1]
    return section.split("```", 2)[1]


def test_architecture_fits_one_page_and_names_real_files():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    assert len(doc.splitlines()) <= 80
    for path in re.findall(r"`((?:dashboard|initdash|tests|bench)/[\w/<>]+\.py)", doc):
        if "<" not in path:
            assert (ROOT / path).exists(), path


def test_the_readme_layout_lists_every_module():
    block = layout_block()
    named = set(re.findall(r"([\w.-]+\.(?:py|cfg|yaml|toml))\b", block))
    missing = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" in path.parts or path.name == "__init__.py" and package != "initdash":
                continue
            if path.name not in named:
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []
