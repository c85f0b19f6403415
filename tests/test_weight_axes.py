"""The weights' axes: every decade that matters labelled on the symmetric-log histograms, a
linear axis per scheme as an option, and each scheme's std on its panel, from the same table
(issue 25, item 1). Core tables, chart specs, and the real app (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import initdash
from dashboard import live
from dashboard.views import weights_charts
from initdash.metrics import HIST_BINS, linear_histograms
from tests.test_app import open_view
from tests.test_charts import walk

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
LESSON = initdash.TrainConfig(epochs=40)  # the first page's lesson: std 0.01 to 10 in one layer
DECADES = [-10.0, -1.0, -0.1, -0.01, 0.0, 0.01, 0.1, 1.0, 10.0]


@pytest.fixture(scope="module")
def trained() -> initdash.Trainer:
    trainer = initdash.Trainer(LESSON)
    trainer.advance(epochs=LESSON.epochs)
    return trainer


def x_axes(spec: dict) -> list[dict]:
    return [d["encoding"]["x"] for d in walk(spec) if "x" in d.get("encoding", {})]


def the_x(spec: dict) -> dict:
    """The one x encoding with a scale, the same in every layer that has it."""
    found = {json.dumps(e, sort_keys=True) for e in x_axes(spec) if "scale" in e}
    assert len(found) == 1, found
    return json.loads(found.pop())


def std_labels(spec: dict) -> list[str]:
    """The Vega expressions that write "std ..." on the panels."""
    return [
        t["calculate"]
        for d in walk(spec)
        for t in d.get("transform", [])
        if t.get("as") == "label" and "'std '" in t.get("calculate", "")
    ]


# --------------------------------------------------------------------------- the core's tables
def test_linear_histograms_count_every_finite_weight_in_its_own_range():
    rng = np.random.default_rng(3)
    w = np.stack([np.zeros((6, 5)), np.full((6, 5), 0.5), rng.normal(0, 0.01, (6, 5))])
    w[2, 0, 0] = np.nan
    edges, counts = linear_histograms(w)
    assert edges.shape == (3, HIST_BINS + 1) and counts.shape == (3, HIST_BINS)
    assert counts.sum(axis=1).tolist() == [30, 30, 29]
    np.testing.assert_allclose(edges[:, 0], -edges[:, -1])
    assert edges[0, -1] == 1.0  # all zeros: -1 to 1, the spike in the middle bin
    assert counts[0, HIST_BINS // 2] == 30
    assert edges[1, -1] == 0.5 and counts[1, -1] == 30  # 0.5 is the top of its own range
    assert edges[2, -1] == pytest.approx(np.nanmax(np.abs(w[2])))


def test_weights_table_std_is_each_schemes_std_and_linear_bins_are_its_own(trained):
    net, result = trained.net, trained.result
    first = np.arange(len(result.schemes)) * result.repeats
    table = result.weights_table(result.config.epochs)
    linear = result.weights_table(result.config.epochs, linear=True)
    for k, scheme in zip(first, result.schemes, strict=True):
        for layer, w in enumerate(net.Ws, start=1):
            want = float(np.std(w[k].astype(np.float64)))
            for t in (table, linear):
                got = t[(t.scheme == scheme) & (t.layer == layer)]["std"].unique()
                assert got == pytest.approx([want], rel=1e-6, abs=1e-12), (scheme, layer)
            rows = linear[(linear.scheme == scheme) & (linear.layer == layer)]
            assert rows["count"].sum() == w[k].size
            top = float(np.abs(w[k]).max()) or 1.0
            assert rows["lo"].min() == pytest.approx(-top)
            assert rows["hi"].max() == pytest.approx(top)
    # the symlog bins keep resolving the decades the weights started in
    for stats in result.details[1:]:
        assert all(c <= c0 for c, c0 in zip(stats.w_c, result.details[0].w_c, strict=True))


# --------------------------------------------------------------------------- the charts
def panel_and_stds(tables, domains, c, scheme) -> tuple[dict, dict]:
    """A scheme's histogram panel (its spec, which prints a std) and the std of each state it
    draws ("now", "at init"), from the rows it holds."""
    spec = weights_charts.scheme_weights(tables[scheme], scheme, domain=domains[scheme], c=c)
    spec = spec.to_dict()
    assert std_labels(spec)
    return spec, {r["state"]: r["std"] for r in spec["datasets"][spec["data"]["name"]]}


def test_symlog_histograms_label_every_decade_and_print_each_std(trained):
    """The weights view's panels (a histogram per scheme and layer): every decade labelled,
    and each panel's std, now, is its scheme's std of the layer's weights."""
    result = trained.result
    for layer in range(1, len(result.dims)):
        now = result.weights_table(None, layers=[layer])
        init = result.weights_table(0, layers=[layer])
        tables, domains, c = weights_charts.scheme_weights_tables(now, init)
        for scheme in result.schemes:
            spec, got = panel_and_stds(tables, domains, c, scheme)
            if layer == 1:
                assert set(DECADES) <= set(the_x(spec)["axis"]["values"])
            want = now[now.scheme == scheme]["std"].iloc[0]
            assert got["now"] == pytest.approx(want, rel=1e-6, abs=1e-12)


def test_the_overviews_panels_share_the_decades_and_print_their_std(trained):
    result = trained.result
    now, init = result.weights_table(None, layers=[1]), result.weights_table(0, layers=[1])
    tables, domains, c = weights_charts.scheme_weights_tables(now, init)
    assert len(set(domains.values())) == 1  # one shared axis
    for scheme in result.schemes:
        spec, got = panel_and_stds(tables, domains, c, scheme)
        axis = the_x(spec)
        assert axis["scale"]["type"] == "symlog"
        assert set(DECADES) <= set(axis["axis"]["values"])
        want = init[init.scheme == scheme]["std"].iloc[0]
        assert got["at init"] == pytest.approx(want, rel=1e-6, abs=1e-12)


def test_the_linear_option_gives_each_scheme_its_own_linear_axis(trained):
    result = trained.result
    now = result.weights_table(None, layers=[1], linear=True)
    init = result.weights_table(0, layers=[1], linear=True)
    tables, domains, c = weights_charts.scheme_weights_tables(now, init)
    assert c is None
    small, large = domains["random_small"], domains["random_large"]
    assert small != large  # each its own range
    spec = weights_charts.scheme_weights(
        tables["random_small"], "random_small", domain=small, c=None
    ).to_dict()
    axis = the_x(spec)
    assert axis["scale"].get("type") in (None, "linear") and axis["scale"]["domain"] == list(small)
    for scheme in result.schemes:
        spec = weights_charts.scheme_weights(
            tables[scheme], scheme, domain=domains[scheme], c=None
        ).to_dict()
        assert not any(e.get("scale", {}).get("type") == "symlog" for e in x_axes(spec))


# --------------------------------------------------------------------------- the real app
def test_the_app_prints_each_std_and_switches_to_linear_axes():
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"epochs": "40"})
    at.run()
    at.button(key="train").click().run()
    assert not at.exception
    result = at.session_state["run"].result
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    panels = [s for s in specs if std_labels(s)]
    assert len(panels) == len(result.schemes)  # the overview's histograms
    assert all(e["scale"]["type"] == "symlog" for s in panels for e in x_axes(s) if "scale" in e)
    at.toggle(key="o_wlinear").set_value(True).run()
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    panels = [s for s in specs if std_labels(s)]
    assert len(panels) == len(result.schemes)
    assert not any(e.get("scale", {}).get("type") == "symlog" for s in panels for e in x_axes(s))
    open_view(at, "weights")
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert at.toggle(key="o_wlinear").value is True  # one setting for both views
    assert len(charts) == len(result.schemes) * (len(result.dims) - 1)  # scheme x layer
    assert all(std_labels(chart) for chart in charts)
    for chart in charts:
        assert not any(e.get("scale", {}).get("type") == "symlog" for e in x_axes(chart))
