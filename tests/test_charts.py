"""Tests for the chart builders (dashboard/views/*_charts.py): every builder on the tables of
real (small) runs.

Each chart is serialized with ``to_json()`` (Altair validates it against the Vega-Lite schema)
and parsed back as *strict* JSON (NaN or Infinity would break the browser), then we assert on
the spec itself: scales, encodings, the inline data. No browser, no Streamlit.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import initdash
from dashboard.views import (
    boundary_charts,
    clones_charts,
    curves_charts,
    deep_charts,
    flow_charts,
    kit,
    weights_charts,
)
from dashboard.views.kit import MAX_ROWS, SCHEME, SCHEME_COLORS, scheme_scale
from dashboard.views.legends import walk
from initdash import SCHEMES, TrainConfig
from tests.harness import python_c

# Deliberately not alphabetical (by name or by label): order must follow this tuple.
ORDER = ("zeros", "random_small", "random_large", "xavier_normal", "he_normal", "constant")
EPOCHS = 420  # 421 epochs x 6 schemes x 2 splits = 5052 rows > MAX_ROWS without downsampling


def loss_chart(curves: pd.DataFrame, *, epochs: int | None = None, **table_options):
    """The loss chart as the page builds it: its table and facts, then the chart."""
    table, facts = curves_charts.loss_curves_table(curves, **table_options)
    return curves_charts.loss_chart(table, **facts, epochs=epochs)


def divergence_chart(div: pd.DataFrame):
    """The divergence chart as the page builds it: its table and facts, then the chart."""
    table, facts = clones_charts.divergence_table(div)
    return clones_charts.divergence_chart(table, **facts)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def run() -> initdash.Result:
    """Moons, 2 classes, [2, 16, 16, 1] tanh net, 6 schemes, one seed, full batch."""
    return initdash.run(
        TrainConfig(
            epochs=EPOCHS, snapshots=4, schemes=ORDER, hidden=(16, 16), noise=0.2, lr=0.1,
            batch_size=0,
        )
    )  # fmt: skip


@pytest.fixture(scope="module")
def spirals() -> initdash.Result:
    """3 classes: the multi-class branch of the decision boundaries."""
    return initdash.run(
        TrainConfig(
            epochs=20, snapshots=2, dataset="spirals", n_classes=3, n_samples=150,
            schemes=("lsuv", "zeros", "orthogonal"),
        )
    )  # fmt: skip


@pytest.fixture(scope="module")
def repeats() -> initdash.Result:
    """Two seeds per scheme: the min..max band of the curves."""
    return initdash.run(
        TrainConfig(epochs=20, snapshots=2, repeats=2, schemes=("he_normal", "random_small"))
    )


@pytest.fixture(scope="module")
def deep() -> pd.DataFrame:
    config = TrainConfig(schemes=ORDER, activation="tanh")
    return initdash.propagate(config, depth=12, width=32, n_samples=64)


@pytest.fixture(scope="module")
def built(run, deep) -> dict[str, object]:
    """One chart per builder, from the main run."""
    last = run.detail_epochs[-1]
    layer1 = run.layer_table(last)
    layer1 = layer1[layer1["layer"] == 1]
    distinct = dict(zip(layer1["scheme"], layer1["distinct_neurons"], strict=True))
    return {
        "loss": loss_chart(run.curves_table()),
        "weights": scheme_weights(*weights_of(run, last, 2, "random_small")),
        "divergence": divergence_chart(run.divergence_table()),
        "similarity": clones_charts.similarity_heatmaps(run.similarity_table(last, 1), distinct),
        "signal": flow_charts.signal_flow(run.layer_table(0), measure="act_std"),
        "deep": flow_charts.signal_flow(deep, measure="backprop_signal"),
        "boundary": boundary_charts.decision_boundaries(
            run.boundary_table(last), run.points_table()
        ),
    }


def scheme_weights(table, scheme, kw):
    return weights_charts.scheme_weights(table, scheme, **kw)


def weights_of(run, epoch: int, layer: int, scheme: str):
    """The arguments of ``scheme_weights`` for a scheme's histogram of one layer (as the
    weights view sends them): its table, the scheme and, as keywords, the layer's x range."""
    tables, domains, c = weights_charts.scheme_weights_tables(
        run.weights_table(epoch, layers=[layer]), run.weights_table(0, layers=[layer])
    )
    return tables[scheme], scheme, {"domain": domains[scheme], "c": c}


@pytest.fixture(scope="module")
def specs(built) -> dict[str, dict]:
    """The strict-JSON spec of each built chart (validated once)."""
    return {name: strict(chart) for name, chart in built.items()}


# --------------------------------------------------------------------------- helpers
def _reject(token: str):
    raise ValueError(f"non-standard JSON constant {token}")


def strict(chart) -> dict:
    """The validated spec, parsed as strict JSON (NaN / Infinity raise). Small multiples
    (``kit.Panels``): {"panels": each panel's spec, "titles": theirs, "subtitle": the notes,
    "legend": the HTML legend, "size": [width, height]}."""
    if isinstance(chart, kit.Panels):
        panels = [
            json.loads(json.dumps(chart.spec(i), allow_nan=False), parse_constant=_reject)
            for i in range(len(chart.tables))
        ]
        titles = [t for t, _ in chart.tables]
        notes = "; ".join(filter(None, chart.notes))
        return {"panels": panels, "titles": titles, "subtitle": notes, "legend": chart.legend,
                "size": [chart.width, chart.height]}  # fmt: skip
    return json.loads(chart.to_json(), parse_constant=_reject)


def encodings(spec: dict, channel: str) -> list[dict]:
    return [d["encoding"][channel] for d in walk(spec) if channel in d.get("encoding", {})]


def the(spec: dict, channel: str, **match) -> dict:
    """The one encoding of ``channel`` (with the given properties), the same in every layer
    and panel that uses it."""
    found = {
        json.dumps(e, sort_keys=True)
        for e in encodings(spec, channel)
        if all(e.get(k) == v for k, v in match.items())
    }
    assert len(found) == 1, found
    return json.loads(found.pop())


def scheme_color_scales(spec: dict) -> list[dict]:
    return [e["scale"] for e in encodings(spec, "color") if e.get("field") == SCHEME]


def labels(schemes) -> list[str]:
    return [SCHEMES[s].label for s in schemes]


def rows(spec: dict, name: str | None = None) -> list[dict]:
    """The rows of the one inline dataset (or of the named one); of small multiples, every
    panel's rows."""
    if "panels" in spec:
        return [r for panel in spec["panels"] for r in rows(panel, name)]
    data = spec["datasets"]
    if name is None:
        assert len(data) == 1, list(data)
        name = next(iter(data))
    return data[name]


def layer_title(spec: dict) -> str:
    title = spec.get("title")
    return title.get("text", "") if isinstance(title, dict) else title or ""


def subtitle(spec: dict) -> str:
    if "panels" in spec:
        return spec["subtitle"]
    title = spec.get("title")
    sub = title.get("subtitle", []) if isinstance(title, dict) else []
    return " ".join([sub] if isinstance(sub, str) else sub)


# --------------------------------------------------------------------------- purity
def test_the_chart_builders_import_no_streamlit():
    """Every room's chart builders (dashboard/views/*_charts.py) and the kit import in a fresh
    interpreter without loading Streamlit: pure functions of tables, testable without a page."""
    code = (
        "import importlib, pkgutil, sys, dashboard.views as v; "
        "names = [m.name for m in pkgutil.iter_modules(v.__path__)]; "
        "builders = [n for n in names if n.endswith('_charts') or n == 'kit']; "
        "[importlib.import_module('dashboard.views.' + n) for n in builders]; "
        "assert 'streamlit' not in sys.modules, 'streamlit loaded'; "
        "print(len(builders))"
    )
    done = python_c(code)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 9  # the kit and the eight rooms with charts


# --------------------------------------------------------------------------- colours
def test_every_scheme_has_its_own_colour():
    assert list(SCHEME_COLORS) == list(SCHEMES)
    assert len(set(SCHEME_COLORS.values())) == len(SCHEMES)
    assert all(re.fullmatch(r"#[0-9A-Fa-f]{6}", c) for c in SCHEME_COLORS.values())
    assert SCHEME_COLORS["zeros"] == "#767676" and SCHEME_COLORS["he_normal"] == "#0072B2"


def test_scheme_scale_follows_the_given_order():
    order = ["lsuv", "he_normal", "zeros"]
    scale = scheme_scale(order).to_dict()
    assert scale["domain"] == ["LSUV", "He normal", "Zeros"]
    assert scale["range"] == ["#0096A5", "#0072B2", "#767676"]
    with pytest.raises(ValueError, match="unknown scheme.*zeros"):
        scheme_scale(["kaiming"])


@pytest.mark.parametrize("name", ["loss", "divergence", "signal", "deep"])
def test_colour_scale_is_the_schemes_in_order(specs, name):
    scales = scheme_color_scales(specs[name])
    assert scales, "no colour encoding of the scheme"
    for scale in scales:
        assert scale["domain"] == labels(ORDER)
        assert scale["range"] == [SCHEME_COLORS[s] for s in ORDER]


def test_a_scheme_has_the_same_colour_in_every_chart(specs):
    seen = {}
    for name in ("loss", "divergence", "signal", "deep"):
        for scale in scheme_color_scales(specs[name]):
            for label, color in zip(scale["domain"], scale["range"], strict=True):
                seen.setdefault(label, set()).add(color)
    assert seen == {SCHEMES[s].label: {SCHEME_COLORS[s]} for s in ORDER}


# --------------------------------------------------------------------------- all builders
@pytest.mark.parametrize(
    "name", ["loss", "weights", "divergence", "similarity", "signal", "deep", "boundary"]
)
def test_valid_strict_json_small_data_big_fonts(specs, name):
    for spec in specs[name].get("panels", [specs[name]]):  # validated against the schema too
        _valid_small_big(spec)


def _valid_small_big(spec: dict) -> None:
    assert spec["datasets"], "the data should be inline"
    for data in spec["datasets"].values():
        assert 0 < len(data) <= MAX_ROWS
    config = spec["config"]
    assert config["axis"]["labelFontSize"] >= 12 and config["axis"]["titleFontSize"] >= 14
    assert config["legend"]["labelFontSize"] >= 12 and config["title"]["fontSize"] >= 14
    # Every tooltip-less chart is a bug: each has at least one mark with exact values.
    assert any(encodings(spec, "tooltip"))


# --------------------------------------------------------------------------- 1. loss curves
def test_loss_curves_train_solid_test_dashed_no_band_for_one_seed(specs, run):
    spec = specs["loss"]
    dash = the(spec, "strokeDash")
    assert dash["field"] == "split"
    assert dash["scale"]["domain"] == ["train", "test"]
    assert dash["scale"]["range"][0] == [1, 0]  # solid train
    marks = [d["mark"]["type"] for d in spec["layer"]]
    assert "line" in marks and "area" not in marks  # one seed: lo == hi, no band
    ys = [e for e in encodings(spec, "y") if e.get("title")]
    assert ys and all(y["title"] == "cross-entropy loss" for y in ys)
    assert all("type" not in y["scale"] for y in ys)


def test_loss_curves_band_with_repeats(repeats):
    curves = repeats.curves_table()
    spec = strict(loss_chart(curves))
    (area,) = [d for d in spec["layer"] if d["mark"]["type"] == "area"]
    assert area["encoding"]["y"]["field"] == "loss_lo"
    assert area["encoding"]["y2"]["field"] == "loss_hi"
    data = rows(spec)
    assert any(r["loss_lo"] < r["loss_hi"] for r in data)
    assert "repeats" in subtitle(spec)


def test_loss_curves_log_scale_and_accuracy(run):
    curves = run.curves_table()
    spec = strict(loss_chart(curves, log_scale=True, splits=("train",)))
    ys = [e for e in encodings(spec, "y") if e.get("scale")]
    assert ys and all(e["scale"]["type"] == "log" for e in ys)
    assert {r["split"] for r in rows(spec)} == {"train"}
    acc = strict(loss_chart(curves, metric="accuracy", log_scale=True))
    ys = [e for e in encodings(acc, "y") if e.get("scale")]
    assert ys and all(y["field"] == "accuracy" for y in ys)
    assert all(y["scale"] == {"domain": [0, 1]} for y in ys)  # never log
    with pytest.raises(ValueError, match="loss, accuracy"):
        curves_charts.loss_curves_table(curves, metric="error")


def test_loss_curves_drop_diverged_epochs_and_clip_zero_loss_on_log(run):
    curves = run.curves_table().copy()
    late = (curves["scheme"] == "random_large") & (curves["epoch"] > 10)
    curves.loc[late, ["loss", "loss_lo", "loss_hi"]] = np.nan  # as after a divergence
    zero = (curves["scheme"] == "he_normal") & (curves["epoch"] == 20)
    curves.loc[zero, ["loss", "loss_lo", "loss_hi"]] = 0.0
    spec = strict(loss_chart(curves, log_scale=True))
    data = rows(spec)
    assert all(r["loss"] is not None for r in data)
    assert max(r["epoch"] for r in data if r["scheme"] == "random_large") == 10
    ys = [e for e in encodings(spec, "y") if e.get("scale")]
    assert ys and all(y["field"] == "loss_shown" for y in ys)
    assert min(r["loss_shown"] for r in data) > 0
    assert [r["loss"] for r in data if r["scheme"] == "he_normal" and r["epoch"] == 20] == [0, 0]
    assert "exactly 0" in subtitle(spec) and "diverged" in subtitle(spec)


def test_long_curves_are_thinned_by_epoch(run):
    curves = run.curves_table(max_points=None)
    assert len(curves) > MAX_ROWS  # the real table is too long to send as is
    spec = strict(loss_chart(curves))
    data = rows(spec)
    assert len(data) <= MAX_ROWS
    epochs = sorted({r["epoch"] for r in data})
    assert epochs[0] == 0 and epochs[-1] == EPOCHS
    assert all(sum(r["epoch"] == e for r in data) == 12 for e in epochs[:3])  # whole epochs
    assert "epoch values shown" in subtitle(spec)
    assert strict(loss_chart(curves)) == spec  # deterministic


# --------------------------------------------------------------------------- 2. weights
def test_weight_panels_share_the_layers_symlog_range_bars_in_the_scheme_colour(run):
    """The weights view: a histogram per scheme and layer, on a symlog x range and constant
    shared by the layer's schemes, bars in the scheme's colour over the grey outline at init,
    headed by the scheme's name in dark text."""
    last = run.detail_epochs[-1]
    current = run.weights_table(last, layers=[2])
    for scheme in ORDER:
        table, _, kw = weights_of(run, last, 2, scheme)
        spec = strict(weights_charts.scheme_weights(table, scheme, **kw))
        lo, hi = kw["domain"]
        assert lo == -hi and hi >= max(abs(current["lo"].min()), current["hi"].max())
        xs = [e for e in encodings(spec, "x") if e.get("scale")]
        assert {e["scale"]["type"] for e in xs} == {"symlog"}
        assert all(e["scale"]["domain"] == [lo, hi] for e in xs)
        assert all(e["scale"]["constant"] <= current["c"].iloc[0] for e in xs)
        assert spec["title"] == {"text": SCHEMES[scheme].label, "fontSize": 15}  # dark text
        marks = [d["mark"] for d in spec["layer"]]
        assert marks[1]["color"] == SCHEME_COLORS[scheme] and marks[0]["fill"] == "#bdbdbd"
        assert {r["state"] for r in rows(spec)} <= {"now", "at init"}
        assert {r[SCHEME] for r in rows(spec)} == {SCHEMES[scheme].label}
    assert weights_charts.layer_name(2, current, run.dims) == "Layer 2 (16 x 16 weights)"
    first = run.weights_table(0, layers=[1])
    assert weights_charts.layer_name(1, first, None) == "Layer 1 (32 weights)"  # 16 x 2


# --------------------------------------------------------------------------- 3. divergence
def test_divergence_keeps_zeros_exactly_zero(specs, run):
    spec = specs["divergence"]
    assert spec["facet"]["field"] == "layer"
    data = rows(spec)
    zeros = [r for r in data if r["scheme"] in ("zeros", "constant")]
    assert zeros and all(r["divergence"] == 0 for r in zeros)
    assert {r["distinct"] for r in zeros if r["scheme"] == "zeros"} == {"1 of 16 distinct"}
    # scale-free: Random small's tiny outputs are as distinct as unrelated neurons (~1)
    small = [r["divergence"] for r in data if r["scheme"] == "random_small"]
    assert small and min(small) > 0.5
    y = the(spec, "y")
    assert y["scale"] == {"zero": True}
    tips = [t["field"] for tip in encodings(spec, "tooltip") for t in tip]
    assert "distinct" in tips


def test_distinct_label_counts_dead_and_stuck_apart():
    df = pd.DataFrame(
        {"distinct_neurons": [3, 16, 0], "width": [16, 16, 8], "dead_neurons": [13, 0, 8],
         "stuck_neurons": [0, 0, 0]}
    )  # fmt: skip
    assert clones_charts.distinct_label(df).tolist() == [
        "3 of 16 distinct + 13 dead",
        "16 of 16 distinct",
        "0 of 8 distinct + 8 dead",
    ]


# --------------------------------------------------------------------------- 4. similarity
def test_similarity_heatmaps_fixed_unit_domain_and_headers(specs, run):
    spec = specs["similarity"]
    color = the(spec, "color")
    assert color["field"] == "similarity" and color["scale"]["domain"] == [0, 1]
    headers = spec["titles"]
    assert headers[0] == ["Zeros", "1 distinct of 16"]
    assert [h[0] for h in headers] == labels(ORDER)
    assert all(len(rows(p)) == 16 * 16 for p in spec["panels"])  # each panel its scheme's
    data = rows(spec)
    assert all(r["similarity"] == 1 for r in data if r["scheme"] == "zeros")
    assert "similarity" in spec["legend"]  # the colour scale, once, above the panels
    plain = strict(clones_charts.similarity_heatmaps(run.similarity_table(0, 2)))
    assert plain["titles"] == [[label] for label in labels(ORDER)]


# --------------------------------------------------------------------------- 5. signal flow
def test_signal_flow_log_by_default_zeros_clipped_to_a_floor(specs):
    spec = specs["signal"]
    y = the(spec, "y")
    assert y["scale"] == {"type": "log"} and y["field"] == "act_std_shown"
    data = rows(spec)
    zeros = [r for r in data if r["scheme"] == "zeros"]
    assert zeros and all(r["act_std"] == 0 and r["act_std_shown"] > 0 for r in zeros)
    assert "exactly 0 (Zeros" in subtitle(spec)
    assert {r["layer"] for r in data} == {1, 2}  # hidden layers only for activations
    x = the(spec, "x")
    assert x["axis"]["values"] == [1, 2]  # whole-number layer ticks


def test_signal_flow_fractions_linear_and_gradients_include_output(run):
    table = run.layer_table(0)
    sat = strict(flow_charts.signal_flow(table, measure="saturated_fraction"))
    assert the(sat, "y")["scale"] == {"domain": [0, 1]}
    grad = strict(flow_charts.signal_flow(table, measure="grad_norm"))
    assert {r["layer"] for r in rows(grad)} == {1, 2, 3}
    lin = strict(flow_charts.signal_flow(table, measure="grad_norm", log_scale=False))
    assert all("type" not in e["scale"] for e in encodings(lin, "y") if e.get("scale"))
    with pytest.raises(ValueError, match="act_std"):
        flow_charts.signal_flow(table, measure="variance")


def test_deep_signal_reads_propagate_output(specs, deep):
    spec = specs["deep"]
    data = rows(spec)
    assert len(data) == len(deep) and {r["layer"] for r in data} == set(range(1, 13))
    assert "backprop signal" in layer_title(spec)


# --------------------------------------------------------------------------- 6. boundaries
def test_decision_boundaries_one_panel_per_scheme_with_all_points(specs, run):
    spec = specs["boundary"]
    points = run.points_table()
    assert spec["titles"] == labels(ORDER)
    for scheme, panel in zip(ORDER, spec["panels"], strict=True):
        bg, train, test = panel["layer"]
        edges = {t["as"]: t["calculate"] for t in bg["transform"]}  # cells, in the browser
        assert {"x1_lo", "x1_hi", "x2_lo", "x2_hi", "confidence"} <= set(edges)
        grid = rows(panel, bg["data"]["name"])
        assert {r["scheme"] for r in grid} == {scheme} and len(grid) == 30 * 30  # its own grid
        for layer in (train, test):  # every panel draws every point
            assert len(rows(panel, layer["data"]["name"])) == len(points)
        # the same axes in every panel (explicit domains), so the panels compare
        assert the(panel, "x", field="x1_lo")["scale"] == the(spec, "x", field="x1_lo")["scale"]
    p1 = the(spec, "color", field="p1")
    assert p1["scale"]["domain"] == [0, 0.5, 1]
    assert "P(1)" in spec["legend"]  # no class names given: the classes' numbers
    # a regular grid: cells of +- half a step (computed in the browser) tile the plane
    grid = rows(spec["panels"][0], spec["panels"][0]["layer"][0]["data"]["name"])
    x1 = np.sort(np.unique([r["x1"] for r in grid]))
    steps = np.diff(x1)
    assert np.allclose(steps, steps[0], rtol=1e-5)
    cells = {t["as"]: t["calculate"] for t in spec["panels"][0]["layer"][0]["transform"]}
    half = float(cells["x1_hi"].split("+")[1])
    assert half == pytest.approx(steps[0] / 2, rel=1e-5)


def test_decision_boundaries_multiclass(spirals):
    grid, points = spirals.boundary_table(), spirals.points_table()
    spec = strict(boundary_charts.decision_boundaries(grid, points))
    assert len(spec["panels"]) == 3 and spec["size"][0] == kit.PANEL_WIDE
    color = the(spec, "color", field="predicted")
    assert color["type"] == "nominal" and color["scale"]["domain"] == [0, 1, 2]
    fill = the(spec, "fill")
    assert fill["scale"] == color["scale"]  # points use the same class colours
    opacity = the(spec, "opacity", field="confidence")
    assert opacity["field"] == "confidence"
    labels_sent = {r["label"] for p in spec["panels"] for d in p["datasets"].values() for r in d
                   if "label" in r}  # fmt: skip
    assert labels_sent == {0, 1, 2}


# --------------------------------------------------------------------------- edge cases
def test_a_diverged_run_still_draws_strict_json():
    """random_large x1000 with lr 10 overflows at epoch 2: its loss becomes inf, then NaN."""
    r = initdash.run(
        TrainConfig(
            epochs=6, snapshots=2, lr=10.0, large_scale=1000.0, activation="relu",
            schemes=("random_large", "he_normal", "zeros"), batch_size=0, noise=0.2,
            hidden=(16, 16),
        )
    )  # fmt: skip
    assert r.summary().set_index("scheme").loc["random_large", "diverged"]
    loss = strict(loss_chart(r.curves_table(), log_scale=True))
    big = [x["loss"] for x in rows(loss) if x["scheme"] == "random_large"]
    assert big and all(np.isfinite(big))  # the inf and NaN epochs are dropped
    assert "diverged" in subtitle(loss)
    last = r.detail_epochs[-1]
    for chart in (
        scheme_weights(*weights_of(r, last, 1, "random_large")),
        divergence_chart(r.divergence_table()),
        clones_charts.similarity_heatmaps(r.similarity_table(last, 1)),
        flow_charts.signal_flow(r.layer_table(last), measure="grad_norm"),
        boundary_charts.decision_boundaries(r.boundary_table(last), r.points_table()),
    ):
        strict(chart)


def test_a_net_without_hidden_layers_draws_empty_activation_charts():
    r = initdash.run(TrainConfig(epochs=3, snapshots=2, hidden=()))
    assert rows(strict(flow_charts.signal_flow(r.layer_table(), measure="grad_norm")))
    strict(flow_charts.signal_flow(r.layer_table(), measure="act_std"))  # no hidden layer: no rows
    strict(divergence_chart(r.divergence_table()))
    with pytest.raises(ValueError, match="2-D data"):
        boundary_charts.decision_boundaries(r.boundary_table().iloc[:0], r.points_table())


def _without_data(spec: dict) -> str:
    """The spec minus its data, with Altair's numbered parameter and view names evened out
    (Streamlit does the same before sending)."""
    spec = {k: v for k, v in spec.items() if k not in ("datasets", "data")}
    return re.sub(r"(param|view)_\d+", r"\1_N", json.dumps(spec, sort_keys=True))


@pytest.mark.parametrize("metric,log", [("loss", True), ("loss", False), ("accuracy", False)])
def test_the_loss_chart_spec_does_not_depend_on_the_numbers(metric, log):
    """Before training (epoch 0 only), mid-run and at the end the loss chart has one spec: the
    browser then only swaps the data into the chart it already shows. A loss spanning more
    than 3 decades switches the log axis labels in the browser (from the scale's domain)."""
    config = TrainConfig(epochs=EPOCHS, schemes=ORDER)
    trainer = initdash.Trainer(config)
    tables = [initdash.initial_curves(config)]
    for epochs in (5, EPOCHS - 5):
        trainer.advance(epochs=epochs)
        tables.append(trainer.result.curves_table(max_points=200))
    specs = {
        _without_data(loss_chart(t, metric=metric, log_scale=log, epochs=EPOCHS).to_dict())
        for t in tables
    }
    assert len(specs) == 1
    spec = json.loads(specs.pop())
    if log:
        (axis,) = {json.dumps(e["axis"]) for e in encodings(spec, "y") if "axis" in e}
        assert "domain('y')" in axis
    # the dots at each curve's newest epoch: a filter the browser applies, no precomputed rows
    layers = [d for d in walk(spec) if d.get("mark", {}).get("type") == "circle"]
    (head,) = [d for d in layers if "joinaggregate" in json.dumps(d.get("transform", []))]
    assert head["transform"][0]["joinaggregate"][0]["op"] == "max"
    assert "datum.newest" in head["transform"][1]["filter"]
    # hover targets (invisible points with the tooltip): a bounded number per curve
    (hover,) = [d for d in layers if d.get("mark", {}).get("opacity") == 0]
    assert hover["transform"] == [{"filter": "datum.hover == 1"}]
    full = loss_chart(tables[-1], metric=metric, log_scale=log, epochs=EPOCHS).data
    per_curve = full[full["hover"] == 1].groupby(["scheme", "split"], observed=True).size()
    assert per_curve.max() <= curves_charts.HOVER_POINTS
    assert per_curve.min() >= curves_charts.HOVER_POINTS // 2
    assert (full.groupby(["scheme", "split"], observed=True).size() > per_curve).all()


# --------------------------------------------------------------------------- scale x depth map
@pytest.mark.parametrize("measure", ["spread", "backprop"])
def test_scale_depth_map_cells_tile_the_plane_and_marks_share_labels(measure):
    """One cell per (gain, layer) with exact values in the tooltip; the cells of a row touch
    (each reaches halfway, in log scale, to its neighbours); the colour is the ratio in
    powers of ten on a fixed diverging scale; schemes at the same gain share one line."""
    cells = initdash.lab.scale_depth_map(TrainConfig(activation="relu"), depth=6, width=16)
    marks = initdash.lab.reference_gains("relu")
    spec = strict(deep_charts.scale_depth_map(cells, marks, measure=measure))
    data = spec["datasets"]
    table = next(rows for rows in data.values() if len(rows) == len(cells))
    row1 = sorted((r for r in table if r["layer"] == 1), key=lambda r: r["gain"])
    assert all(a["g1"] == pytest.approx(b["g0"]) for a, b in zip(row1, row1[1:], strict=False))
    assert all(r["g0"] < r["gain"] < r["g1"] for r in row1)
    for r in table:
        expected = np.clip(np.log10(cells[(cells.gain.astype(np.float32) == np.float32(r["gain"]))
                                          & (cells.layer == r["layer"])][measure].iloc[0]),
                           -deep_charts.MAP_CLIP, deep_charts.MAP_CLIP)  # fmt: skip
        assert r["decades"] == pytest.approx(expected, abs=1e-5)
    color = the(spec, "color")
    assert color["scale"]["domain"] == [-deep_charts.MAP_CLIP, deep_charts.MAP_CLIP]
    assert color["scale"]["domainMid"] == 0
    lines = next(rows for rows in data.values() if len(rows) != len(cells))
    assert sorted(r["label"] for r in lines) == ["He = orthogonal", "LeCun = Xavier"]
    assert any(encodings(spec, "tooltip"))


def test_scale_depth_map_names_overflow_and_underflow():
    cells = pd.DataFrame(
        {"gain": [1.0, 1.0, 2.0, 2.0], "std": 0.1, "layer": [1, 2, 1, 2],
         "spread": [1.0, np.inf, 1.0, 0.0], "backprop": 1.0}
    )  # fmt: skip
    spec = strict(deep_charts.scale_depth_map(cells, {"He": 2.0}))
    assert "1 cell(s) overflowed" in subtitle(spec) and "1 cell(s) exactly 0" in subtitle(spec)
    decades = sorted(r["decades"] for r in rows(spec, next(iter(spec["datasets"]))))
    assert decades == [-deep_charts.MAP_CLIP, 0, 0, deep_charts.MAP_CLIP]
    with pytest.raises(ValueError, match="measure"):
        deep_charts.scale_depth_map(cells, {}, measure="act_std")
