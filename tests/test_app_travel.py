"""AppTest runs of the real app for issue 23's items 1 and 2: the bias and class-imbalance
controls (and their links), and the weight-paths view with its numbers and the lazy/rich
sweep."""

from __future__ import annotations

import numpy as np

from dashboard.text import num, pct
from initdash.travel import lazy_sweep
from tests.test_app import captions, chart_tables, charts, fresh, open_view, run_of, train

TINY = {"epochs": "60", "n_samples": "120"}


def test_the_bias_and_imbalance_controls_come_from_the_link_and_train():
    """?bias_init=random&bias_std=2&imbalance=9 sets the sidebar and the run: its biases are
    the config's (the same for every scheme), its data 1:9."""
    at = train(fresh({**TINY, "bias_init": "random", "bias_std": "2.0", "imbalance": "9.0"}))
    assert at.selectbox(key="w_bias_init").value == "random"
    assert at.select_slider(key="w_bias_std").value == 2.0
    assert at.select_slider(key="w_imbalance").value == 9.0
    run = run_of(at)
    assert run.config.bias_init == "random" and run.config.imbalance == 9.0
    assert np.bincount(run.result.data.y_train).tolist() == [81, 9]
    at.selectbox(key="w_bias_init").set_value("zeros").run()
    assert not at.exception
    assert "bias_std" not in [s.key for s in at.select_slider]  # shown for random only
    assert "(bias\\_init)" in " ".join(w.value for w in at.warning)  # the run is stale now


def test_the_weight_paths_view_draws_the_run_and_its_numbers():
    at = open_view(train(fresh({**TINY, "preset": "travel"})), "travel")
    result = run_of(at).result
    assert len(charts(at)) == 5 + 2  # a scheme's paths each, the change of 2 layers
    paths = next(iter(chart_tables(at)[2].values()))  # Random small's
    assert len(paths) == len(result.detail_epochs) * 16
    text = captions(at)
    last = result.detail_epochs[-1]
    assert f"**Here**, epoch {last}: Zeros: 1 distinct point, median distance" in text
    change = result.change_table()
    end = change[(change.epoch == last) & (change.repeat == 0)].set_index(["scheme", "layer"])
    large = ", ".join(pct(end.loc[("random_large", i), "change"]) for i in (1, 2))
    assert f"Random large: {large}" in text
    at.toggle(key="o_lazy").set_value(True).run()
    assert not at.exception
    assert len(charts(at)) == 5 + 2 + 2
    sweep = lazy_sweep(run_of(at).config)
    c = sweep[sweep.layer == 1].pivot(index="width", columns="gain", values="change")
    assert f"16 units at x0.5 moved {pct(c.loc[16, 0.5])} of its size" in captions(at)
    assert f"final losses {num(sweep.loss.min())}" in captions(at)
