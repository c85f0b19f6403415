"""Chart builders of the deep-signal lab's panels (residual_charts, spectrum_charts,
chaos_charts): each is a pure function of its table whose spec carries those numbers, names
what it leaves out, and fits a phone where its panels cannot stretch."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import initdash
from dashboard import board
from dashboard.views import chaos_charts, legends, residual_charts, spectrum_charts
from initdash import TrainConfig, chaos
from initdash.blas import limit_blas_threads

limit_blas_threads(1)


def spec_of(chart) -> dict:
    spec = board.chart_spec(chart)
    return {**spec, "datasets": {k: v.to_dict("records") for k, v in spec["datasets"].items()}}


def table(spec: dict, n: int | None = None, key: str | None = None) -> list[dict]:
    """The spec's first table, or the one with ``n`` rows, or the one with a ``key`` column."""
    tables = list(spec["datasets"].values())
    if key is not None:
        return next(t for t in tables if t and key in t[0])
    return tables[0] if n is None else next(t for t in tables if len(t) == n)


@pytest.fixture(scope="module")
def stream() -> pd.DataFrame:
    return initdash.lab.residual_stream(TrainConfig(activation="relu"), width=16, n_samples=8)


def test_stream_chart_draws_the_nets_of_n_blocks(stream):
    spec = spec_of(residual_charts.stream_spread(stream, blocks=16))
    rows = table(spec)
    assert len(rows) == 3 * 17  # three branch kinds, blocks 0..16
    he = sorted((r for r in rows if r["label"] == "plain He"), key=lambda r: r["block"])
    want = stream[(stream.branch == "he") & (stream.blocks == 16)].spread.to_numpy()
    np.testing.assert_allclose([r["spread"] for r in he], want, rtol=1e-6)
    assert "16 blocks" in json.dumps(spec["title"])


def test_spread_by_depth_has_one_point_per_net(stream):
    rows = table(spec_of(residual_charts.spread_by_depth(stream)))
    assert len(rows) == 3 * len(initdash.lab.RESIDUAL_BLOCKS)
    assert {r["blocks"] for r in rows} == set(initdash.lab.RESIDUAL_BLOCKS)


def test_overflowed_spreads_are_left_out_and_named(stream):
    broken = stream.assign(spread=np.where(stream.block == 3, np.inf, stream.spread))
    spec = spec_of(residual_charts.stream_spread(broken, blocks=8))
    assert "infinite" in json.dumps(spec["title"]) and len(table(spec)) == 3 * 9 - 3


def test_spectrum_chart_reads_the_summary_and_names_zeros():
    config = TrainConfig(schemes=("zeros", "xavier_normal", "orthogonal"))
    summary = initdash.lab.spectrum_summary(
        initdash.lab.jacobian_spectrum(config, depth=5, width=16), ["scheme", "depth"]
    )
    spec = spec_of(spectrum_charts.spectrum_by_depth(summary, list(config.schemes)))
    rows = table(spec, key="p50")
    assert {r["scheme"] for r in rows} == {"xavier_normal", "orthogonal"}
    assert "Zeros: J = 0" in json.dumps(spec["title"])
    # the median's tick is white whatever the scheme's colour, and it and the whisker sit in
    # the middle of their scheme's bar (an offset band's start is its left edge)
    layers = {json.dumps(layer["mark"]): layer["encoding"] for layer in spec["layer"]}
    tick = next(enc for mark, enc in layers.items() if '"tick"' in mark)
    assert "color" not in tick and tick["xOffset"]["bandPosition"] == 0.5
    assert next(m for m in layers if '"tick"' in m).count('"color": "white"') == 1
    # the legend takes its symbols from the first coloured layer: filled bars, not strokes
    first = next(layer for layer in spec["layer"] if "color" in layer["encoding"])
    assert json.dumps(first["mark"]).count('"bar"') == 1
    rule = next(enc for mark, enc in layers.items() if '"rule"' in mark and "xOffset" in enc)
    assert rule["xOffset"]["bandPosition"] == 0.5
    got = {(r["scheme"], r["depth"]): r["p50"] for r in rows}
    for r in summary[summary.scheme != "zeros"].itertuples():
        assert got[(r.scheme, r.depth)] == pytest.approx(r.p50, rel=1e-6)


def test_isometry_chart_one_line_per_kind_and_input():
    sweep = initdash.lab.spectrum_summary(
        initdash.lab.isometry_sweep(TrainConfig(), depth=4, width=16, gains=(0.9, 1.0, 1.2)),
        ["weights", "input_std", "gain"],
    )
    spec = spec_of(spectrum_charts.isometry_sweep(sweep, {"gain 1": 1.0}))
    rows = table(spec, len(sweep))
    assert {(r["weights"], r["inputs"]) for r in rows} == {
        (k, f"std {s:g}") for k in ("orthogonal", "Gaussian") for s in (1.0, 0.1)
    }
    assert all(0 <= r["near_one"] <= 1 for r in rows)
    # the dash is the lines' alone, so the legend's samples draw (a filled dot's would not)
    dashed = [json.dumps(layer["mark"]) for layer in spec["layer"] if "strokeDash" in
              layer.get("encoding", {})]  # fmt: skip
    assert len(dashed) == 1 and '"line"' in dashed[0]


def test_phase_diagram_colours_the_measured_separation():
    cells = chaos.phase_diagram(depth=3, width=16, pairs=2)
    line = pd.DataFrame({"sigma_b2": [0.0, 0.1], "sigma_w2": chaos.critical_sigma_w2([0.0, 0.1])})
    points = pd.DataFrame({"sigma_w2": [1.0], "sigma_b2": [0.05], "name": ["edge"]})
    spec = spec_of(chaos_charts.phase_diagram(cells, line, points))
    rows = table(spec, len(cells))
    clip = chaos_charts.SEPARATION_CLIP
    for r, c in zip(rows, cells.itertuples(), strict=True):
        assert r["shown"] == pytest.approx(np.clip(c.separation, -clip, clip), abs=1e-5)
    assert "χ1 (mean field)" in json.dumps(spec, ensure_ascii=False)  # the tooltip


def test_pictures_fit_a_phone_side_by_side():
    """Three square pictures of PICTURE_SIZE px with the facet's spacing fit the 358 px a
    390 px phone leaves for a chart; the colour scale is fixed at -1..1 so flat looks flat."""
    p = chaos.output_pictures(((1.0, 0.05), (2.0, 0.05), (4.0, 0.05)), depth=2, width=8,
                              grid=6, units=1)  # fmt: skip
    chart = chaos_charts.output_pictures(p, ["a|x", "b|y", "c|z"])
    spec = spec_of(chart)
    assert 3 * chaos_charts.PICTURE_SIZE + 2 * spec["spacing"] <= 358
    assert json.dumps(spec).count('"domain": [-1, 1]') == 1
    assert len(table(spec)) == 3 * 36
    with pytest.raises(ValueError, match="labels"):
        chaos_charts.output_pictures(p, ["a", "b"])


def test_each_chart_says_what_it_shows(stream):
    """A screen reader reads each chart's description (its spec's, from kit.style): its title,
    then what it draws, named from the table it draws."""
    spec = spec_of(residual_charts.stream_spread(stream, blocks=8))
    assert spec["description"].startswith("The stream through 8 blocks: line chart of")
    assert "plain He, GPT-2 1/sqrt(2N) and zero last layer" in spec["description"]
    about = spec_of(residual_charts.spread_by_depth(stream))["description"]
    assert "N = 8, 16, 32, 64 and 128 blocks" in about
    sweep = initdash.lab.spectrum_summary(
        initdash.lab.isometry_sweep(TrainConfig(), depth=2, width=8, gains=(1.0,)),
        ["weights", "input_std", "gain"],
    )
    about = spec_of(spectrum_charts.isometry_sweep(sweep, {"gain 1": 1.0}))["description"]
    assert "orthogonal and Gaussian weights, solid for inputs of std 1 and dashed" in about
    cells = chaos.phase_diagram(depth=2, width=8, pairs=1)
    line = pd.DataFrame({"sigma_b2": [0.0], "sigma_w2": [1.0]})
    points = pd.DataFrame({"sigma_w2": [1.0, 4.0], "sigma_b2": 0.05, "name": ["edge", "chaotic"]})
    about = spec_of(chaos_charts.phase_diagram(cells, line, points))["description"]
    assert (
        about.startswith("Order and chaos in random tanh nets: heatmap")
        and "edge and chaotic" in about
    )
    p = chaos.output_pictures(((1.0, 0.05), (4.0, 0.05)), depth=2, width=8, grid=4, units=1)
    about = spec_of(chaos_charts.output_pictures(p, ["edge|σw² 1", "chaotic|σw² 4"]))["description"]
    assert "2 heatmaps side by side" in about and "edge at σw² 1 and chaotic at σw² 4" in about
    # a chart part without an axis (axis: null, the pictures') has no axis title to read
    assert (
        legends.describe({"mark": "rect", "encoding": {"x": {"axis": None}}}) == "Chart: bar chart."
    )
