"""The charts of the distribution views (activations over training, gradients at init, update
ratio): valid strict JSON, and the numbers they carry are the run's own tables (which
tests/test_distributions.py checks against independent computations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import initdash
from dashboard.views import distributions_charts as charts
from dashboard.views.kit import MAX_ROWS, SCHEME
from initdash import SCHEMES, TrainConfig
from initdash.blas import limit_blas_threads
from initdash.metrics import ACT_SYMLOG_C
from tests.test_charts import encodings, rows, strict, subtitle

limit_blas_threads(1)

ORDER = ("he_normal", "zeros", "random_large", "xavier_normal")
TANH = charts.ValueAxis(domain=(-1.0, 1.0))


@pytest.fixture(scope="module")
def run() -> initdash.Result:
    return initdash.run(
        TrainConfig(schemes=ORDER, hidden=(8, 8, 8), epochs=60, snapshots=7, n_samples=150)
    )


@pytest.fixture(scope="module")
def relu() -> initdash.Result:
    return initdash.run(
        TrainConfig(schemes=ORDER, activation="relu", hidden=(8, 8), epochs=30, snapshots=4)
    )


def by_label(df: pd.DataFrame) -> pd.DataFrame:
    labels = {SCHEMES[s].label: s for s in SCHEMES}
    return df.assign(scheme=df[SCHEME].map(labels))


def scales(spec: dict, channel: str) -> list[dict]:
    return [e["scale"] for e in encodings(spec, channel) if "scale" in e]


def test_activation_heatmap_carries_the_runs_shares_in_cells_that_tile_the_epochs(run):
    spec = strict(charts.activation_heatmaps(run.activation_table(2), layer=2, axis=TANH))
    key = ["epoch", "scheme", "lo"]
    got = by_label(pd.DataFrame(rows(spec))).sort_values(key)
    want = run.activation_table(2).sort_values(key)
    assert len(want) == len(got)
    for col in ("epoch", "scheme"):
        assert list(got[col]) == list(want[col])
    for col in ("lo", "hi", "share"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-6, atol=1e-7)
    cells = got.drop_duplicates("epoch").sort_values("epoch")
    assert (cells.x_lo.to_numpy() < cells.epoch.to_numpy()).all()
    assert (cells.epoch.to_numpy() < cells.x_hi.to_numpy()).all()
    np.testing.assert_allclose(cells.x_hi.to_numpy()[:-1], cells.x_lo.to_numpy()[1:])
    assert {"domain": [-1, 1], "nice": False} in scales(spec, "y")
    share = [s for s in scales(spec, "color") if s.get("type") == "sqrt"]
    assert share and all(s["domain"] == [0, 1] for s in share)
    assert spec["titles"] == [SCHEMES[s].label for s in ORDER]  # a panel per scheme
    assert "share of the outputs" in spec["legend"]


def test_activation_heatmap_of_an_unbounded_activation_is_symlog(relu):
    table = relu.activation_table(1)
    spec = strict(charts.activation_heatmaps(table, axis=charts.ValueAxis(symlog=ACT_SYMLOG_C)))
    ys = [s for s in scales(spec, "y") if s.get("type") == "symlog"]
    assert len(ys) == len(spec["panels"]) and all(y == ys[0] for y in ys)  # one axis for all
    y = ys[0]
    assert y["constant"] == ACT_SYMLOG_C
    assert y["domain"] == pytest.approx([table.lo.min(), table.hi.max()], rel=1e-6)
    assert "symmetric-log" in subtitle(spec)


def test_a_heatmap_over_the_row_limit_keeps_whole_epochs():
    r = initdash.run(TrainConfig(schemes=tuple(SCHEMES), epochs=40, snapshots=41, n_samples=80))
    table = r.activation_table(1)
    assert len(table) > MAX_ROWS
    spec = strict(charts.activation_heatmaps(table, axis=TANH))
    got = pd.DataFrame(rows(spec))
    assert len(got) <= MAX_ROWS and "epoch values shown" in subtitle(spec)  # all panels
    per_epoch = got.groupby("epoch").size()
    assert (per_epoch == len(SCHEMES) * (len(r.details[0].act_edges[0]) - 1)).all()
    cells = got.drop_duplicates("epoch").sort_values("epoch")
    np.testing.assert_allclose(cells.x_hi.to_numpy()[:-1], cells.x_lo.to_numpy()[1:])


def test_activation_bands_are_the_runs_percentiles(run):
    spec = strict(charts.activation_bands(run.activation_percentiles(), layer=3, axis=TANH))
    got = by_label(pd.DataFrame(rows(spec))).set_index(["scheme", "epoch"]).sort_index()
    want = run.activation_percentiles()
    want = want[(want.layer == 3) & (want.repeat == 0)].set_index(["scheme", "epoch"])
    want = want.sort_index()
    for q in ("p2", "p50", "p98"):
        np.testing.assert_allclose(got[q], want[q], rtol=1e-6, atol=1e-7)


def test_gradient_bands_are_the_runs_percentiles_with_zeros_on_a_floor(run):
    spec = strict(charts.gradient_bands(run.gradient_table(0)))
    got = by_label(pd.DataFrame(rows(spec)))
    want = run.gradient_table(0)
    want = want[want.repeat == 0]
    merged = want.merge(got, on=["scheme", "layer", "gradient"], suffixes=("", "_sent"))
    assert len(merged) == len(want) == len(got)
    for q in ("p2", "p50", "p98"):
        np.testing.assert_allclose(merged[f"{q}_sent"], merged[q], rtol=1e-6, atol=1e-30)
    zeros = got[(got.scheme == "zeros") & (got.layer < 4)]
    assert (zeros.p50 == 0).all()  # blocked: exactly 0, drawn on the floor
    floor = zeros.p50_shown.iloc[0]
    assert 0 < floor <= got.loc[got.p50 > 0, "p50"].min() / 10
    assert "Zeros" in subtitle(spec) and "exactly 0" in subtitle(spec)
    dashes = [e for e in encodings(spec, "strokeDash")]
    assert len(dashes) == len(spec["panels"])
    assert all(d["scale"]["domain"] == list(charts.GRADIENT_LABELS.values()) for d in dashes)
    assert all(label in spec["legend"] for label in charts.GRADIENT_LABELS.values())
    logs = [e["scale"] for e in encodings(spec, "y") if e.get("scale", {}).get("type") == "log"]
    assert all(sc == logs[0] for sc in logs) and logs[0]["domain"][0] == pytest.approx(floor)


def test_update_ratios_draw_the_finite_logs_per_layer_with_the_reference_line(run):
    table = run.update_table()
    spec = strict(charts.update_ratios(table))
    got = by_label(pd.DataFrame(rows(spec)))
    want = table[(table.repeat == 0) & table.log10_ratio.notna()]
    merged = want.merge(got, on=["epoch", "scheme", "layer"], suffixes=("", "_sent"))
    assert len(merged) == len(want) == len(got)
    np.testing.assert_allclose(merged.log10_ratio_sent, merged.log10_ratio, rtol=1e-6)
    assert "zeros" not in set(got.scheme)  # all its weights are 0: undefined
    assert "Zeros" in subtitle(spec)
    for panel in spec["panels"]:  # the reference in every layer's panel, on a shared y axis
        rules = [d for d in panel["layer"] if d["mark"]["type"] == "rule"]
        assert rules[0]["encoding"]["y"] == {"datum": charts.UPDATE_REFERENCE}
        (y,) = [e for e in encodings(panel, "y") if e.get("field") == "log10_ratio"]
        assert y["scale"]["domain"][0] <= min(got.log10_ratio.min(), -3)
    assert charts.UPDATE_REFERENCE == -3.0
    assert spec["titles"] == ["layer 1", "layer 2", "layer 3", "layer 4 (output)"]
    assert "Xavier normal" in spec["legend"] and "rule of thumb" in spec["legend"]


def test_update_ratios_show_at_most_max_panels_layers():
    config = TrainConfig(schemes=("he_normal",), activation="relu", hidden=(4,) * 11)
    r = initdash.run(config.replace(epochs=4, snapshots=3))
    spec = strict(charts.update_ratios(r.update_table(), max_panels=5))
    shown = sorted({x["layer"] for x in rows(spec)})
    assert shown[0] == 1 and shown[-1] == 12 and len(shown) == 5
    assert "5 of 12 layers shown" in subtitle(spec)


def test_a_diverged_run_draws_strict_json():
    r = initdash.run(
        TrainConfig(
            epochs=6, snapshots=4, lr=10.0, large_scale=1000.0, activation="relu",
            schemes=("random_large", "he_normal"), batch_size=0, noise=0.2, hidden=(16, 16),
        )
    )  # fmt: skip
    assert r.summary().set_index("scheme").loc["random_large", "diverged"]
    heat = strict(
        charts.activation_heatmaps(
            r.activation_table(1), axis=charts.ValueAxis(symlog=ACT_SYMLOG_C)
        )
    )
    assert "diverged" in subtitle(heat)
    bands = strict(
        charts.activation_bands(
            r.activation_percentiles(), axis=charts.ValueAxis(symlog=ACT_SYMLOG_C)
        )
    )
    assert "diverged" in subtitle(bands)
    strict(charts.gradient_bands(r.gradient_table(0)))
    strict(charts.update_ratios(r.update_table()))
