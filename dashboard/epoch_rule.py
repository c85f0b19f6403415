"""A rule at one epoch on every time chart: where the lesson's step (or the epoch scrubber) is.

:func:`mark_epoch` adds a thin vertical rule to each layered part of a Vega-Lite spec whose x is
the epoch (quantitative): the loss curves, divergence over epochs, the update ratios, small
multiples included (a facet's or a row's panels each get theirs). Other charts (per layer, per
weight value) are left as they are. The rule reads no data of its own: it aggregates its part's
rows to one, so a facet draws one per panel. No Streamlit here.
"""

from __future__ import annotations

from typing import Any

RULE_COLOR = "#0F172A"  # the page's text colour: a rule that reads on every scheme colour
RULE_NAME = "epoch_rule"


def rule(epoch: int) -> dict[str, Any]:
    """The rule's layer: one dashed line at ``epoch``, with a tooltip saying what it is."""
    return {
        "name": RULE_NAME,
        "transform": [{"aggregate": [{"op": "count", "as": "_rows"}]}],
        "mark": {"type": "rule", "color": RULE_COLOR, "strokeDash": [3, 3], "strokeWidth": 1.5},
        "encoding": {
            "x": {"datum": int(epoch), "type": "quantitative"},
            "tooltip": {"value": f"epoch {int(epoch)}: the epoch shown"},
        },
    }


def _over_epochs(part: dict) -> bool:
    x = part.get("encoding", {}).get("x", {})
    return isinstance(x, dict) and x.get("field") == "epoch" and x.get("type") == "quantitative"


def mark_epoch(spec: dict, epoch: int | None) -> dict:
    """``spec`` with a rule at ``epoch`` in each layered part plotted over epochs (a new dict;
    ``spec`` is left as it is). None: no rule."""
    if epoch is None:
        return spec
    return _marked(spec, int(epoch))


def _marked(spec: dict, epoch: int) -> dict:
    out = dict(spec)
    layers = spec.get("layer")
    if isinstance(layers, list):
        parts = [_marked(p, epoch) if isinstance(p, dict) else p for p in layers]
        over = any(isinstance(p, dict) and _over_epochs(p) for p in layers)
        if over and not any(isinstance(p, dict) and p.get("name") == RULE_NAME for p in layers):
            parts.append(rule(epoch))
        out["layer"] = parts
    for key in ("hconcat", "vconcat", "concat"):
        if isinstance(spec.get(key), list):
            out[key] = [_marked(p, epoch) if isinstance(p, dict) else p for p in spec[key]]
    if isinstance(spec.get("spec"), dict):  # a facet's inner chart
        out["spec"] = _marked(spec["spec"], epoch)
    return out
