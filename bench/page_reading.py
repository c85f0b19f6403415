"""How the load clients read the initdash page: the ONE place that knows its wording.

Both clients of bench/load.py (bench/stclient.py and headless Chromium) find the buttons, tell
a finished run and read the headline cards through this module; `expected()` and `check()`
compare what they read with the same config run in-process. When the page changes (labels,
the headline card wording), adapt this file.

What it relies on, kept deliberately loose:
  * the Train button's label contains "Train", the Stop button's "Stop";
  * a finished run's progress text starts with "Trained" (or "Loaded a finished run": the app
    served a run it had already finished);
  * a headline card per scheme, above every view, one line each: "■ <label> · <verdict> ·
    test accuracy <x> · loss <x> (from <y>) · <neurons>" (markdown, bold or not; the neurons
    left out when the verdict says them).
    Every view shows them, so they are the correctness check; the expected cards are the
    app's own card text (dashboard.views.summary.card_text) read by the same pattern;
  * the TL;DR table (an st.dataframe whose first column is "Initialization"), compared only
    when the open view shows it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

TRAIN_LABEL = "Train"
STOP_LABEL = "Stop"
NOT_TRAINED = "Not trained yet."  # the progress row before any run (it holds its place)
FINISHED_PREFIXES = ("Trained", "Loaded a finished run")
TLDR_FIRST_COLUMN = "Initialization"

# Controls that bench/load.py's scenario (c) changes, by label as the sidebar shows them
# (looked up in the sidebar only: a view may have its own control with the same label, as
# the deep-signal lab has its own "Activation" select box).
CONTROLS = "sidebar"
SEED_LABEL = "Seed"
LR_LABEL = "Learning rate"  # the label starts with this ("Learning rate (log scale)")

CARD = re.compile(
    r"■\s*(?P<label>[^·\n]+?)\s*·[^\n]*?·\s*test accuracy\s+(?P<acc>\S+)[^·\n]*·\s*loss\s+"
    r"(?P<loss>\S+)[^·\n]*(?:·\s*(?P<div>[^\n]*?))?\s*(?:\n|$)"
)
_TAG = re.compile(r"<[^>]+>")
_ICON = re.compile(r":material/([a-z0-9_]+):")


def is_finished(progress_text: str | None) -> bool:
    """A finished run (trained now, or served finished): the moment 'Trained' is measured to."""
    return bool(progress_text) and progress_text.startswith(FINISHED_PREFIXES)


def markdown_text(body: str) -> str:
    """Roughly what the browser shows for an st.markdown body: tags and ** dropped, icons
    by their names, a markdown line break ("  \\n") a newline, backslash escapes undone."""
    text = _TAG.sub("", body).replace("**", "")
    text = _ICON.sub(r"\1", text)  # the page draws the icon by its name (a font ligature)
    text = re.sub(r"\\(.)", r"\1", text)
    return re.sub(r"[ \t]+\n", "\n", text)


def cards(texts: Iterable[str]) -> dict[str, tuple[str, str, str]]:
    """The headline cards among page texts (inner text of markdown elements, or
    markdown_text of their bodies): scheme label -> (test accuracy, loss, neurons line)."""
    out = {}
    for t in texts:
        for m in CARD.finditer(t):
            out[m["label"].strip()] = (m["acc"], m["loss"], m["div"] or "")
    return out


ESTIMATE = re.compile(r"Train takes about \**(?P<about>[\d.]+ (?:s|min|h))\**")
ESTIMATE_RANGE = re.compile(r"\((?P<lo>[\d.]+ (?:s|min|h)) to (?P<hi>[\d.]+ (?:s|min|h))\)")
COMPUTING = re.compile(r"(?P<cpu>[\d.]+ (?:s|min|h)) of computing times")
UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}


def seconds_of(text: str) -> float:
    """'0.8 s', '45 s', '3 min', '1.2 h' (initdash.cost.duration) in seconds."""
    value, unit = text.split()
    return float(value) * UNITS[unit]


def estimate(texts: Iterable[str]) -> dict | None:
    """The sidebar's time estimate among page texts: {"about": s, "lo": s, "hi": s, "quiet":
    s} (lo and hi: the range shown, else the estimate; quiet: the seconds of computing, what
    a quiet server takes; all 0 when the page says the run is finished already), or None."""
    for t in texts:
        if "finished run of these exact settings" in t:
            return {"about": 0.0, "lo": 0.0, "hi": 0.0, "quiet": 0.0}
        m = ESTIMATE.search(t)
        if m is None:
            continue
        about = seconds_of(m["about"])
        r, cpu = ESTIMATE_RANGE.search(t), COMPUTING.search(t)
        lo, hi = (seconds_of(r["lo"]), seconds_of(r["hi"])) if r else (about, about)
        quiet = seconds_of(cpu["cpu"]) if cpu else about
        return {"about": about, "lo": lo, "hi": hi, "quiet": quiet}
    return None


# ------------------------------------------------------------------ what the page should show
def expected(query: str | Mapping[str, list[str]]) -> dict:
    """What a page opened at `query` (a share link's query string, or parsed) shows after
    Train: {"cards": label -> (acc, loss, neurons line) as the app formats them, "tldr": the
    TL;DR DataFrame, "config": the TrainConfig}. The config comes from the app's own link
    parser (dashboard.links.parse_query), the numbers from initdash.run in this process."""
    from urllib.parse import parse_qs

    import initdash
    from dashboard.links import parse_query
    from dashboard.views import summary

    parsed = parse_qs(query, keep_blank_values=True) if isinstance(query, str) else query
    shared = parse_query(parsed)
    if shared.warnings:
        raise ValueError(f"link {query!r} warnings: {shared.warnings}")
    result = initdash.run(shared.config)
    s = result.summary()
    want = cards(markdown_text(summary.card_text(row, result.finished)) for _, row in s.iterrows())
    return {"cards": want, "tldr": summary.tldr_table(result), "config": shared.config}


def same_cell(cell, value) -> bool:
    """A table cell equals the expected value (numbers to 1e-6 relative; text exactly)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if cell is None or cell == "":  # an empty cell: the table's missing value (NaN)
            return math.isnan(float(value))
        try:
            x = float(cell)
        except (TypeError, ValueError):
            return False
        v = float(value)
        return math.isclose(x, v, rel_tol=1e-6, abs_tol=1e-12) or (math.isnan(x) and math.isnan(v))
    return str(cell) == str(value)


def check(page_cards: dict, page_tldr, want: dict) -> tuple[bool, str]:
    """(correct?, note): the page's headline cards equal the in-process run's (all schemes,
    nothing else), and, if the page showed a TL;DR table (rows of cells under a header:
    {"head": [...], "rows": [[...], ...]}), its cells equal the in-process table's."""
    if not page_cards:
        return False, "no headline cards on the page"
    if page_cards != want["cards"]:
        diff = {
            k: (page_cards.get(k), want["cards"].get(k))
            for k in sorted(set(page_cards) | set(want["cards"]))
            if page_cards.get(k) != want["cards"].get(k)
        }
        return False, f"headline cards differ (page, expected): {diff}"
    note = f"{len(page_cards)} cards"
    if not page_tldr or not page_tldr.get("rows"):
        return True, note
    tldr = want["tldr"]
    head, rows = page_tldr["head"], page_tldr["rows"]
    cols = [h for h in head if h in tldr.columns]
    if TLDR_FIRST_COLUMN not in cols or len(rows) != len(tldr):
        return False, f"TL;DR table: columns {head}, {len(rows)} rows"
    for cells, (_, row) in zip(rows, tldr.iterrows(), strict=True):
        got = dict(zip(head, cells, strict=False))
        for c in cols:
            if not same_cell(got.get(c, ""), row[c]):
                name = row[TLDR_FIRST_COLUMN]
                return False, f"TL;DR {name}: {c} = {got.get(c)!r}, want {row[c]!r}"
    return True, note + f" + TL;DR table ({len(cols)} columns)"


# ------------------------------------------------------------------ the same, in a real browser
# st.dataframe draws on a canvas; its accessible <table role="grid"> holds the cells' text
# (the columns currently rendered: the grid virtualizes columns scrolled out of view).
DOM_TLDR_JS = f"""() => {{
  const t = document.querySelector('[data-testid="stDataFrame"] table[role="grid"]');
  if (!t) return null;
  const head = [...t.querySelectorAll('thead th')].map(e => e.textContent.trim());
  if (!head.includes('{TLDR_FIRST_COLUMN}')) return null;
  const rows = [...t.querySelectorAll('tbody tr')]
      .map(tr => [...tr.querySelectorAll('td')].map(e => e.textContent.trim()));
  return {{head, rows}};
}}"""
DOM_GRID_READY_JS = """() => document.querySelectorAll(
  '[data-testid="stDataFrame"] table[role="grid"] tbody tr').length > 0"""
DOM_PROGRESS = '[data-testid="stProgress"]'
DOM_MARKDOWN = '[data-testid="stMarkdownContainer"]'
DOM_DATAFRAME = '[data-testid="stDataFrame"]'
DOM_EXCEPTION = '[data-testid="stException"]'
