"""What a chart says in words beside its marks: the HTML legends and notes above a row of
panels (``legend_html`` with ``swatch`` or ``gradient`` entries, ``notes_html``), the note naming
schemes whose lines coincide (``coincide_note``), and the text alternative a screen reader reads
(``describe``, from the chart's spec; ``plain_text``, a legend's words). No Streamlit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.views.kit import SCHEME, SCHEME_COLORS, TEXT_COLORS, scheme_labels
from initdash import SCHEMES


def coincide_note(df: pd.DataFrame, x: Sequence[str], value: str, where: str) -> str:
    """A note naming the schemes whose lines coincide, computed from the table: the same
    ``value`` at every ``x`` (e.g. epoch and layer; NaN where the other has NaN), so one line
    hides the other (e.g. "Zeros and Constant coincide: the same value at every epoch, one
    line under the other"; ``where``: "at every epoch"); '' if none do."""
    keys = [*x, "scheme"]
    if df.empty or df["scheme"].nunique() < 2 or df.duplicated(keys).any():
        return ""
    wide = df.set_index(keys)[value].unstack("scheme")
    order = [str(s) for s in pd.unique(df["scheme"])]
    groups: list[list[str]] = []
    for s in order:
        col = wide[s].to_numpy(dtype=float)
        for g in groups:
            if np.array_equal(col, wide[g[0]].to_numpy(dtype=float), equal_nan=True):
                g.append(s)
                break
        else:
            groups.append([s])
    same = [g for g in groups if len(g) > 1]
    if not same:
        return ""
    names = "; ".join(and_list(scheme_labels(g)) for g in same)
    return f"{names} coincide: the same value {where}, their lines lie on top of each other"


def and_list(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


MARK_KINDS = (  # a chart's kind, as a text alternative names it: the first mark type found
    ("line", "line chart"), ("area", "band chart"), ("rect", "bar chart"),
    ("circle", "dot chart"), ("point", "dot chart"), ("text", "text"),
)  # fmt: skip


def plain_text(markup: str) -> str:
    """HTML (a legend's) as the words it shows: tags dropped, entities read, spaces joined."""
    text = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(text).split())


def describe(spec: dict) -> str:
    """A text alternative for a chart, from its Vega-Lite spec (a dict): its title, what kind
    of chart it is and what it draws against what, the schemes it shows, and its notes (the
    subtitle). The browser reads the spec's ``description`` out as the chart's name."""
    title, notes = spec.get("title"), []
    if isinstance(title, dict):
        sub = title.get("subtitle", [])
        notes = [sub] if isinstance(sub, str) else list(sub)
        title = title.get("text", "")
    title = " ".join(title) if isinstance(title, list) else str(title or "Chart")
    marks, axes, schemes, shades = set(), {"x": [], "y": []}, [], False
    labels = {s.label for s in SCHEMES.values()}
    for d in walk(spec):
        mark = d.get("mark")
        if mark is not None:
            marks.add(mark.get("type") if isinstance(mark, dict) else mark)
        color = d.get("encoding", {}).get("color")
        shades |= isinstance(color, dict) and color.get("type") == "quantitative"
        head = d.get("title")
        head = head.get("text") if isinstance(head, dict) else head
        if isinstance(head, str) and head in labels and head not in schemes:
            schemes.append(head)  # a panel headed by a scheme's name
        for channel, found in axes.items():
            enc = d.get("encoding", {}).get(channel)
            name = (
                enc.get("title", (enc.get("axis") or {}).get("title"))  # axis None: none
                if isinstance(enc, dict)
                else None
            )
            if isinstance(name, str) and name not in found:
                found.append(name)
        if d.get("field") == SCHEME:
            names = d.get("sort") if isinstance(d.get("sort"), list) else None
            names = names or d.get("scale", {}).get("domain")
            schemes += [n for n in names or () if isinstance(n, str) and n not in schemes]
    kind = next((k for m, k in MARK_KINDS if m in marks), "chart")
    kind = "heatmap" if kind == "bar chart" and shades else kind  # cells coloured by a number
    text = f"{title}: {kind}"
    if axes["y"] and axes["x"]:
        text += f" of {' and '.join(axes['y'])} against {' and '.join(axes['x'])}"
    if schemes:
        text += f", for {and_list(schemes)}"
    return ". ".join([text, *notes]) + "."


def walk(node):
    """Every dict in a (Vega-Lite) spec, depth first."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def legend_html(entries: Sequence[tuple[str, str]], title: str = "") -> str:
    """A legend in HTML for a row of panels: ``(swatch, label)`` entries, a swatch from
    ``swatch`` or ``gradient``, the label in dark text beside it; wraps on a narrow screen."""
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;gap:0.35em;margin-right:1em">'
        f"{sw}<span>{html.escape(label, quote=False)}</span></span>"
        for sw, label in entries
    )
    head = f"<strong>{html.escape(title, quote=False)}</strong> " if title else ""
    return (
        f'<div style="color:{TEXT_COLORS["text"]};font-size:0.9rem;line-height:1.9;'
        f'display:flex;flex-wrap:wrap;align-items:center;column-gap:0.4em">{head}{items}</div>'
    )


def notes_html(notes: Sequence[str]) -> str:
    """What a row of panels leaves out or how to read it, in small dark text (no notes: "")."""
    notes = [n for n in notes if n]
    if not notes:
        return ""
    text = html.escape("; ".join(notes))
    return f'<div style="color:{TEXT_COLORS["label"]};font-size:0.85rem">{text}</div>'


def swatch(color: str, kind: str = "square") -> str:
    """A colour's mark in a legend: a square, a solid line or a dashed line."""
    if kind == "square":
        look = f"width:0.9em;height:0.9em;background:{color}"
    else:
        look = f"width:1.8em;border-top:3px {'dashed' if kind == 'dashed' else 'solid'} {color}"
    return f'<span style="{look};display:inline-block"></span>'


def gradient(colors: Sequence[str], lo: str, hi: str) -> str:
    """A colour scale's legend: ``lo`` [gradient] ``hi``."""
    bar = (
        f'<span style="width:7em;height:0.8em;display:inline-block;'
        f'background:linear-gradient(to right,{",".join(colors)})"></span>'
    )
    return f"<span>{lo}</span>{bar}<span>{hi}</span>"


def scheme_legend(schemes: Sequence[str], title: str = "") -> str:
    """The schemes' colours, each beside its name (for panels that draw several schemes)."""
    return legend_html([(swatch(SCHEME_COLORS[s]), SCHEMES[s].label) for s in schemes], title)
