"""The TL;DR table, the theory and the headline cards: the run's verdicts in words.

Each cell or card line is a word and the number it came from, both from the same measurement
(the verdict row of ``Result.summary()``; the rules and thresholds are in initdash/verdicts.py).
No charts here.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st

import initdash
from dashboard import board
from dashboard.text import num, pct
from dashboard.views.base import ViewInput, look_for
from dashboard.views.kit import SCHEME_COLORS
from initdash import Result, TrainConfig, verdicts
from initdash.presets import PRESETS

# ---------------------------------------------------------------------- TL;DR
BN_TLDR = (
    "BatchNorm is on: the gradient ratio compares the signal before each normalization. With "
    "large weights most of it comes from the step into layer 1, which has only 2 inputs: "
    "between hidden layers 2 to 5 the backprop signal changes under 5-fold per layer, so "
    '"exploding" here is not the runaway growth of lesson 2.'
)


def lesson_6(config: TrainConfig) -> bool:
    """Lesson 6's net (BatchNorm, 5 tanh layers), whatever its schemes and seed: where BN_TLDR
    was measured (tests/preset_claims.py, 'tldr view')."""
    base = PRESETS["batchnorm"].config()
    return config.replace(schemes=base.schemes, seed=base.seed) == base


def _times(ratio: float) -> str:
    return "x" + num(ratio) if np.isfinite(ratio) else "overflow"


def symmetry_text(row) -> str:
    neurons = neurons_text(row)
    if not row["symmetry_broken"]:
        return f"No: identical weights ({neurons})"
    return f"Yes ({neurons})"


def neurons_text(row) -> str:
    """'k of n distinct', with the dead and stuck units counted apart."""
    if row["distinct_neurons"] < 0:  # every repeat diverged: nothing left to measure
        return f"neurons not measured (diverged at epoch {row['diverged_epoch']})"
    parts = [f"{row['distinct_neurons']} of {row['layer_width']} distinct"]
    if row["dead_neurons"] > 0:
        parts.append(f"{row['dead_neurons']} dead")
    if row["stuck_neurons"] > 0:
        parts.append(f"{row['stuck_neurons']} stuck at the ends")
    return " + ".join(parts)


def risk_text(row) -> str:
    """The lesson's "risk of vanishing gradient?" with the measurement behind it."""
    ratio = _times(row["signal_ratio_at_init"])
    sat, dead = row["saturated_at_init"], row["dead_at_init"]
    risk = row["gradient_risk"]
    if risk == "vanishing":
        return f"Yes: vanishing (layer 1 gets {ratio})"
    if risk == "exploding":
        extra = f", {pct(sat)} saturated" if np.isfinite(sat) and sat > 0.005 else ""
        return f"Yes: exploding (layer 1 gets {ratio}{extra})"
    if risk == "saturated":
        return f"Yes: {pct(sat)} saturated (layer 1 still gets {ratio})"
    if risk == "dead":
        return f"Yes: {pct(dead)} dead (layer 1 gets {ratio})"
    if risk == "blocked":
        return "No: blocked (exactly 0 reaches layer 1)"
    return f"No: healthy (layer 1 gets {ratio})"


def outcome_text(row) -> str:
    o = row["outcome"]
    if o == "diverged":
        return f"Diverged (loss not finite at epoch {row['diverged_epoch']})"
    if o == "all neurons same":
        return f"All neurons same ({neurons_text(row)})"
    if o == "no learning":
        low = num(row["lowest_loss"])
        return f"No learning (lowest loss {low}, never {verdicts.cut()} below its start)"
    if o == "unstable":
        return (
            f"Unstable training (loss back to {num(row['relapse'])}x its lowest at epoch "
            f"{row['relapse_epoch']})"
        )
    if o == "slow start":
        return (
            f"Stable training, slow start ({verdicts.cut()} down at epoch {row['first_cut_epoch']})"
        )
    return f"Stable training ({verdicts.cut()} down at epoch {row['first_cut_epoch']})"


def accuracy_value(row) -> float | None:
    """The final test accuracy, or None ("-") when every prediction is a coin toss."""
    return None if row["undecided"] else row["test_accuracy"]


# The TL;DR's number columns: the summary's column shown, and its format.
TLDR_NUMBERS = {
    "backprop signal at init, layer 1 / output": ("signal_ratio_at_init", "%.2g"),
    "saturated at init": ("saturated_at_init", "percent"),
    "dead at init": ("dead_at_init", "percent"),
    "loss at init": ("initial_loss", "%.3g"),
    "final train loss": ("train_loss", "%.3g"),
    "final test loss": ("test_loss", "%.3g"),
}


def tldr_table(result: Result) -> pd.DataFrame:
    s = result.summary()
    rows = [r for _, r in s.iterrows()]
    return pd.DataFrame(
        {
            "Initialization": s["label"],
            "Symmetry broken?": [symmetry_text(r) for r in rows],
            "Learning outcome": [outcome_text(r) for r in rows],
            "Risk of vanishing/exploding gradient?": [risk_text(r) for r in rows],
            **{column: s[name] for column, (name, _) in TLDR_NUMBERS.items()},
            "final test accuracy": [accuracy_value(r) for r in rows],
        }
    )


# The TL;DR at a glance: a column per verdict, each cell its word over the number it came from
TLDR_VERDICTS = ("Symmetry broken?", "Risk of vanishing/exploding gradient?", "Learning outcome")
TLDR_CSS = """
.tldr {border-collapse: collapse; width: 100%; color: #0F172A; font-size: 0.95rem}
.tldr th, .tldr td {text-align: left; vertical-align: top; padding: 0.45rem 0.6rem;
  border-bottom: 1px solid #CBD5E1}
.tldr th {font-weight: 600; border-bottom: 2px solid #94A3B8}
.tldr td b {display: block}
.tldr td span.n {display: block; color: #334155; font-size: 0.9em}
.tldr i {display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em}
@media (max-width: 640px) {
  .tldr thead {display: none}
  .tldr tr {display: block; border: 1px solid #94A3B8; border-radius: 0.5rem;
    margin-bottom: 0.75rem; padding: 0.3rem 0}
  .tldr td {display: block; border: none; padding: 0.25rem 0.75rem}
  .tldr td::before {content: attr(data-label); display: block; font-size: 0.8rem;
    color: #334155}
  .tldr td:first-child::before {content: none}
}
"""


def split_verdict(text: str) -> tuple[str, str]:
    """'Unstable training (loss back to 4.2x its lowest at epoch 88)' -> its word and its
    number: ('Unstable training', 'loss back to 4.2x its lowest at epoch 88')."""
    word, _, number = text.partition(" (")
    return word, number.removesuffix(")")


def tldr_html(table: pd.DataFrame, schemes) -> str:
    """The TL;DR as a table of verdicts, each cell a word in bold over the number it came from
    (``tldr_table``'s cells, split): it fits a projector's page without scrolling sideways;
    on a phone each scheme's row is a card."""
    heads = ["Initialization", *TLDR_VERDICTS, "Test accuracy"]
    head = "".join(f"<th>{h}</th>" for h in heads)
    body = []
    for scheme, (_, row) in zip(schemes, table.iterrows(), strict=True):
        swatch = f'<i style="background:{SCHEME_COLORS[scheme]}"></i>'
        cells = [f"<td><b>{swatch}{html.escape(row['Initialization'])}</b></td>"]
        for col in TLDR_VERDICTS:
            word, number = (html.escape(t) for t in split_verdict(row[col]))
            cells.append(cell(col, word, number))
        acc = row["final test accuracy"]
        if acc is None or pd.isna(acc):
            cells.append(cell("Test accuracy", "–", "every prediction a coin toss"))
        else:
            cells.append(cell("Test accuracy", pct(acc)))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<style>{TLDR_CSS}</style><table class='tldr'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def cell(label: str, word: str, number: str = "") -> str:
    """A TL;DR cell: the word in bold, the number under it (on a phone, its column's name
    above it)."""
    under = f'<span class="n">{number}</span>' if number else ""
    return f'<td data-label="{label}"><b>{word}</b>{under}</td>'


def tldr_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result = inp.result
    note = "" if result.finished else " (so far: training is still running)"
    look_for(
        "Nothing here is typed in. **Symmetry**: whether, at the end, some layer's neurons "
        "still have bit-identical weights (the distinct count compares their outputs; dead "
        "and stuck units are counted apart). "
        + verdicts.tldr_rules()
        + " Thresholds and their reasons: initdash/verdicts.py."
        + (" " + BN_TLDR if lesson_6(result.config) else ""),
        out=out,
    )
    out.markdown(f"**TL;DR**, computed from this run{note}")
    table = tldr_table(result)
    out.html(tldr_html(table, result.schemes))
    formats = {column: fmt for column, (_, fmt) in TLDR_NUMBERS.items()}
    formats["final test accuracy"] = "percent"
    details = out.expander("Every number behind the verdicts", icon=":material/table_chart:")
    details.dataframe(
        table,
        hide_index=True,
        width=board.WIDE,
        column_config={c: st.column_config.NumberColumn(format=f) for c, f in formats.items()},
    )


# ---------------------------------------------------------------------- theory
def theory_draw(inp: ViewInput, opts: dict, out=st) -> None:
    schemes = inp.config.schemes if inp.config else ()
    out.markdown(
        "A layer computes $z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$, $a^{[l]} = g(z^{[l]})$ "
        "with $W^{[l]}$ of shape $(n_l, n_{l-1})$. With zero biases and independent weights "
        "of mean 0 and variance $\\sigma^2$, "
        "$\\operatorname{Var}(z^{[l]}) = n_{l-1}\\,\\sigma^2\\,"
        "\\mathbb{E}\\big[(a^{[l-1]})^2\\big]$: the fan-in and the activation's *mean "
        "square* decide whether the signal grows, shrinks or holds. Near 0, tanh passes "
        "$\\mathbb{E}[a^2] \\approx \\operatorname{Var}(z)$, so $\\sigma^2 = 1/n$ "
        "holds it (LeCun; Xavier averages the forward and backward fan, "
        "$2/(n_{l-1}+n_l)$). That holds tanh steady only near 0, where its slope is 1; farther "
        "out the slope is below 1, so in deep tanh nets Xavier's spread shrinks slowly. He's "
        "larger variance keeps more of it (over 2/3 of layer 1's spread at 50 layers in the "
        "deep-signal lab, Xavier's under 1/4), at the cost of a backprop signal that grows with "
        "depth (under 3-fold at 20 layers, over 4-fold at 50). In lesson 3's 20-layer tanh net, "
        "He learns faster. ReLU keeps only the positive half, "
        "$\\mathbb{E}[a^2] = \\operatorname{Var}(z)/2$: He doubles the variance to "
        "$2/n_{l-1}$. Sigmoid's outputs sit around 0.5, so $\\mathbb{E}[a^2]$ is mostly "
        "that offset, and its slope is at most 1/4: at Xavier's, He's and LeCun's "
        "variances its backprop signal vanishes with depth. On the deep-signal lab's scale x "
        "depth map only gains near 10, far above theirs, keep both the spread and the backprop "
        "signal within a factor of 10 at depth 20."
    )
    rows = [
        f"| **{s.label}**{' (in this run)' if name in schemes else ''} | ${s.latex}$ | "
        f"{s.suits} | {s.summary} |"
        for name, s in initdash.SCHEMES.items()
    ]
    head = "| scheme | weights | suits | what it does |\n|---|---|---|---|\n"
    out.markdown(head + "\n".join(rows))


# ---------------------------------------------------------------------- headline cards
# One line per scheme: its name, the verdict with its number and the test accuracy; the final
# loss and the neurons too on a laptop's page (1400 px and up: the TL;DR has them all), so a
# chart is on the first screen after Train.
CARDS_CSS = """
p:has(> .card-more) {line-height: 1.5; margin-bottom: 0; font-size: 0.95rem}
@media (max-width: 1399px) {
  .card-more, .card-wide {display: none}
  p:has(> .card-more) {font-size: 0.9rem; line-height: 1.4}
}
@media (max-width: 640px) {p:has(> .card-more) {font-size: 0.85rem}}
"""
WIDE = "<span class='card-wide'>{}</span>"  # left out on a phone and a projector: CARDS_CSS


def headline(result: Result) -> None:
    """The headline cards: one line per scheme, leading with its verdict and the number it came
    from, then the test accuracy, the final loss and the neurons (card_text)."""
    s = result.summary()
    with st.container(border=True, gap=None):
        st.html(f"<style>{CARDS_CSS}</style>")
        lines = [card_text(row, result.finished) for _, row in s.iterrows()]
        st.markdown("  \n".join(lines), unsafe_allow_html=True)


def verdict_text(row, finished: bool = True) -> str:
    """A card's verdict and the number it came from: the outcome (a warning with an icon).
    While a run trains, only what has happened already is a verdict (diverged, clones, a
    relapse); "no learning", "stable" and "slow start" wait for the end. The parts in WIDE
    are left out on a phone."""
    o = row["outcome"]
    cut = verdicts.cut()
    if o == "diverged":
        return f":material/error: **diverged** at epoch {row['diverged_epoch']}"
    if o == "all neurons same":
        return f":material/content_copy: **clones**: {neurons_text(row)}"
    if o == "unstable":
        return (
            f":material/warning: **unstable**: loss back to {num(row['relapse'])}x its lowest"
            + WIDE.format(f" (epoch {row['relapse_epoch']})")
        )
    if not finished:
        return f"**training**: loss {num(row['train_loss'])} so far"
    if o == "no learning":
        return f":material/pause_circle: **no learning**: lowest loss {num(row['lowest_loss'])}" + (
            WIDE.format(f", never {cut} below its start")
        )
    word = "slow start" if o == "slow start" else "stable"
    return f"**{word}**: {cut} down at epoch {row['first_cut_epoch']}"


def card_text(row, finished: bool = True) -> str:
    """A headline card's Markdown, one line: the scheme, its verdict with its number, the test
    accuracy, the final loss (from its start) and the neurons; every word beside the number it
    came from (the parts after the accuracy are left out under 1400 px: CARDS_CSS)."""
    color = SCHEME_COLORS[row["scheme"]]
    acc = accuracy_value(row)
    label = "test" + WIDE.format(" accuracy")
    accuracy = f"{label} **{pct(acc)}**" if acc is not None else f"{label} **–** (coin toss)"
    more = f"loss **{num(row['train_loss'])}** (from {num(row['initial_loss'])})"
    if row["outcome"] not in ("diverged", "all neurons same"):  # else the verdict says it
        more += f" · {neurons_text(row)}"
    return (
        f"<span style='color:{color}'>■</span> **{row['label']}** · "
        f"{verdict_text(row, finished)} · {accuracy}"
        f"<span class='card-more'> · {more}</span>"
    )
