"""AppTest runs of the real app: the deep-signal lab's panels (residual blocks, the Jacobian's
spectrum, the edge of chaos) draw their charts with the numbers of their own tables, and a
residual run (?residual=on) trains and draws every view, saying what its layers' numbers are."""

from __future__ import annotations

import pytest

import initdash
from dashboard.text import num, pct
from dashboard.views import chaos as chaos_room
from dashboard.views.base import RESIDUAL_SIGNAL
from dashboard.views.registry import VIEWS
from initdash import TrainConfig
from initdash.blas import limit_blas_threads
from tests.test_app import captions, charts, fresh, open_view, run_of, train

limit_blas_threads(1)


def open_panel(panel: str):
    """The lab with ``panel`` open; each of its charts says what it shows (a description that
    starts with its title, as tests/test_app_access.py asks of every view's)."""
    at = open_view(fresh(), "deep")
    at.segmented_control(key="o_deep_panel").set_value(panel).run()
    assert not at.exception, [e.value for e in at.exception]
    for spec in charts(at):
        title = spec.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        assert spec["description"].startswith(f"{title}: "), spec["description"]
    return at


def titles(at) -> str:
    return " ".join(str(c.get("title")) for c in charts(at))


def test_the_residual_panel_shows_its_stream_with_its_numbers():
    at = open_panel("residual")
    assert len(charts(at)) == 2 and "through 32 blocks" in titles(at)
    df = initdash.lab.residual_stream(TrainConfig(), width=128, n_samples=64)
    end = df[df.block == df.blocks].set_index(["branch", "blocks"]).spread
    text = captions(at)
    assert f"plain He x{num(end[('he', 32)])}" in text
    assert f"GPT-2 x{num(end[('gpt2', 32)])}" in text and "zero last layer x1;" in text
    at.select_slider(key="o_res_blocks").set_value(128).run()
    assert not at.exception and "through 128 blocks" in titles(at)
    assert f"plain He x{num(end[('he', 128)])}" in captions(at)


def test_the_spectrum_panel_shows_each_scheme_and_the_sweep():
    at = open_panel("spectrum")
    specs = charts(at)
    assert len(specs) == 2
    summary = initdash.lab.spectrum_summary(
        initdash.lab.jacobian_spectrum(TrainConfig(), depth=20, width=128, n_inputs=2),
        ["scheme", "depth"],
    ).set_index(["scheme", "depth"])
    he = summary.loc[("he_normal", 20)]
    text = captions(at)
    assert f"He normal: {pct(he.near_one)} near 1, {pct(he.unresolved)} zero" in text
    assert "Zeros: J = 0" in text and "Zeros: J = 0, not drawn" in titles(at)
    sweep = initdash.lab.spectrum_summary(
        initdash.lab.isometry_sweep(TrainConfig(), depth=20, width=128),
        ["weights", "input_std", "gain"],
    ).set_index(["weights", "input_std", "gain"])
    at1 = sweep.near_one[("orthogonal", 0.1, 1.0)]
    assert f"orthogonal, inputs' std 0.1: {pct(at1)} at gain 1" in text


def test_the_chaos_panel_draws_the_diagram_and_three_pictures():
    at = open_panel("chaos")
    specs = charts(at)
    assert len(specs) == 2
    assert len(specs[1]["facet"]) and specs[1]["columns"] == 3
    cells = initdash.chaos.phase_diagram(depth=20, width=128, seed=0, pairs=4)
    gap = (cells.c_L - cells.c_L_theory).abs()
    assert f"within {num(gap.median())} of the mean field's" in captions(at)
    dying = cells[(cells.sigma_b2 == 0) & (cells.sigma_w2 < 1)].separation
    assert f"below σw² = 1 between x{num(10 ** dying.min())} and x{num(10 ** dying.max())}" in (
        captions(at)
    )
    points = chaos_room.picture_points(0.05)
    stats = initdash.chaos.picture_stats(
        initdash.chaos.output_pictures(tuple(zip(points.sigma_w2, points.sigma_b2,
                                                 strict=True)), depth=20, width=64, units=1)
    )  # fmt: skip
    assert f"chaotic: range {num(stats.range.iloc[2])}" in captions(at)
    at.select_slider(key="o_chaos_b2").set_value(0.2).run()
    assert not at.exception
    edge = float(initdash.chaos.critical_sigma_w2(0.2))
    assert f"σw² {edge:.2f}" in str(charts(at)[1])


def test_the_layers_panel_is_the_lab_as_before():
    at = open_view(fresh(), "deep")
    assert at.segmented_control(key="o_deep_panel").value == "layers"
    assert len(charts(at)) == 2 and "Scale x depth" in titles(at)


def test_a_residual_run_draws_every_view_and_says_what_its_layers_show():
    """?residual=on with 4 hidden layers of 8: it trains with skips (the sidebar toggle reads
    on); every view draws; signal flow and activations say the outputs are the stream; the
    lab's Layers panel says its nets have none."""
    at = train(fresh({"residual": "on", "hidden": "8,8,8,8", "epochs": "40",
                      "n_samples": "120"}))  # fmt: skip
    assert at.toggle(key="w_residual").value is True
    run = run_of(at)
    assert run.finished and run.result.config.residual
    for name, view in VIEWS.items():
        at = open_view(at, name)
        if view.charts:
            assert charts(at), f"view {name} drew no chart"
        if name in ("signal", "activations"):
            assert RESIDUAL_SIGNAL in captions(at), name
        if name == "deep":
            assert "the lab has no skips" in " ".join(m.value for m in at.markdown)
    assert RESIDUAL_SIGNAL not in captions(open_view(train(fresh({"epochs": "40"})), "signal"))


@pytest.mark.parametrize("width", [32, 256])
def test_the_panels_draw_at_the_labs_other_widths(width):
    for panel in ("residual", "spectrum"):
        at = open_panel(panel)
        at.select_slider(key="o_deep_width").set_value(width).run()
        assert not at.exception and len(charts(at)) == 2, panel


def test_a_preset_opens_the_labs_layers_panel():
    """A preset with deep-signal lab settings (Preset.deep) opens the Layers panel its
    narrative talks about, whichever panel was open."""
    at = open_panel("chaos")
    at.selectbox(key="w_preset").set_value("small_vs_large").run()
    assert not at.exception
    at = open_view(at, "deep")
    assert at.segmented_control(key="o_deep_panel").value == "layers"
    assert "Scale x depth" in titles(at)
