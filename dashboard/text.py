"""Text for the page, shared by the sidebar and the views (no Streamlit here).

``escape_md`` shows untrusted text (a link's values, a file's name) literally in Markdown; ``num``
and ``pct`` write a measured number the way every card, caption and table cell writes it, with
"–" when there is none (a diverged run).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def escape_md(text: str) -> str:
    """Show untrusted text (from a link or a file) literally in Markdown."""
    special = "\\`*_{}[]()#+-.!|<>$~:"
    return "".join("\\" + ch if ch in special else ch for ch in str(text))


def num(v: Any) -> str:
    """A number to 3 significant digits ("–" for none or not finite)."""
    return "–" if v is None or not np.isfinite(v) else f"{v:.3g}"


def pct(v: Any) -> str:
    """A share as a whole percent ("–" for none or not finite)."""
    return "–" if v is None or not np.isfinite(v) else f"{100 * v:.0f}%"
