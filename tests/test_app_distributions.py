"""AppTest runs of the real app: the activations, gradients and update-ratio views draw the run's
own numbers, with their options (layer, heatmap or percentile bands)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from initdash import SCHEMES
from tests.test_app import TINY, chart_tables, fresh, open_view, run_of, train


def sent(at) -> pd.DataFrame:
    """The rows of every chart on the page (small multiples: a chart and a table per panel),
    with scheme names."""
    tables = []
    for chart in chart_tables(at):
        (table,) = chart.values()
        tables.append(table.assign(scheme_label=table["scheme_label"].astype(str)))
    table = pd.concat(tables, ignore_index=True)
    labels = {s.label: name for name, s in SCHEMES.items()}
    return table.assign(scheme=table["scheme_label"].map(labels))


def test_activations_view_draws_the_chosen_layer_as_a_heatmap_or_percentile_bands():
    at = open_view(train(fresh({**TINY, "hidden": "8,8"})), "activations")
    result = run_of(at).result
    heat = sent(at)
    want = result.activation_table(1)
    assert len(heat) == len(want)
    np.testing.assert_allclose(
        heat.sort_values(["epoch", "scheme", "lo"]).share,
        want.sort_values(["epoch", "scheme", "lo"]).share,
        rtol=1e-6,
    )
    at.session_state["o_act_layer"] = 2
    at.session_state["o_act_bands"] = True
    at.run()
    assert not at.exception
    bands = sent(at).set_index(["scheme", "epoch"]).sort_index()
    pct = result.activation_percentiles()
    pct = pct[(pct.layer == 2) & (pct.repeat == 0)].set_index(["scheme", "epoch"]).sort_index()
    np.testing.assert_allclose(bands.p98, pct.p98, rtol=1e-6)
    assert any("What to look for" in c.value for c in at.caption)


def test_gradients_and_update_views_draw_the_runs_tables():
    at = open_view(train(fresh(TINY)), "gradients")
    result = run_of(at).result
    grads = sent(at).sort_values(["scheme", "gradient", "layer"])
    want = result.gradient_table(0)
    want = want[want.repeat == 0].sort_values(["scheme", "gradient", "layer"])
    np.testing.assert_allclose(grads.p50, want.p50, rtol=1e-6)
    at = open_view(at, "updates")
    ratios = sent(at).sort_values(["scheme", "layer", "epoch"])
    want = result.update_table().dropna().sort_values(["scheme", "layer", "epoch"])
    np.testing.assert_allclose(ratios.log10_ratio, want.log10_ratio, rtol=1e-6)
    assert "zeros" not in set(ratios.scheme)
