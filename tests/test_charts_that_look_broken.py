"""Charts that looked broken and now say what they show (issue 25, item 7): signal flow of a
one-layer net, lines that lie exactly on each other, gradients that are exactly 0. Chart
specs from real runs, and the signal-flow view in the real app (AppTest)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import initdash
from dashboard import live
from dashboard.views import clones_charts, distributions_charts, flow_charts, legends
from initdash.presets import PRESETS
from tests.test_app import chart_tables, open_view
from tests.test_charts import walk

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def subtitle(chart) -> list[str]:
    title = chart.to_dict()["title"]
    return list(title.get("subtitle", [])) if isinstance(title, dict) else []


# --------------------------------------------------------------------------- lines that coincide
def test_coinciding_lines_are_found_in_the_data_not_assumed():
    epochs = np.arange(5.0)
    df = pd.DataFrame(
        {
            "epoch": np.tile(epochs, 4),
            "scheme": np.repeat(["zeros", "constant", "xavier_normal", "he_normal"], 5),
            "v": np.concatenate([np.zeros(5), np.zeros(5), epochs, epochs + 1e-12]),
        }
    )
    note = legends.coincide_note(df, ["epoch"], "v", "at every epoch")
    assert note.startswith("Zeros and Constant coincide: the same value at every epoch")
    df.loc[1, "v"] = 1e-300  # one epoch apart is not coinciding
    assert legends.coincide_note(df, ["epoch"], "v", "at every epoch") == ""


def test_preset_1_says_zeros_and_constant_coincide_and_the_first_page_does_not():
    clones = initdash.run(PRESETS["clones"].config().replace(epochs=60))
    _, facts = clones_charts.divergence_table(clones.divergence_table())
    div = clones.divergence_table()
    assert (div[div.scheme.isin(["zeros", "constant"])]["divergence"] == 0).all()
    assert "Zeros and Constant coincide: the same value at every epoch and layer" in " ".join(
        facts["notes"]
    )
    first = initdash.run(initdash.TrainConfig(epochs=60))
    _, facts = clones_charts.divergence_table(first.divergence_table())
    assert not any("coincide" in n for n in facts["notes"])  # only Zeros is at 0 there
    # the signal flow says it too where two schemes measure the same at every layer
    chart = flow_charts.signal_flow(clones.layer_table(0), measure="dead_fraction")
    assert any("Zeros, Constant and Xavier normal coincide" in n for n in subtitle(chart))


def test_the_clones_view_of_several_layers_says_what_its_panels_leave_out():
    """Preset 1 has two hidden layers: the Neuron clones view draws a panel per layer under
    one legend, and that legend carries the panels' notes (Zeros and Constant coincide, in
    every layer), which the panels do not repeat."""
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"preset": "clones", "epochs": "60"})
    at.run()
    at.button(key="train").click().run()
    open_view(at, "clones")
    legend = " ".join(h.proto.body for h in at.get("html"))
    assert "Zeros and Constant coincide: the same value at every epoch" in legend
    assert "0 = the layer&#x27;s neurons are clones" in legend
    live.clear()


# --------------------------------------------------------------------------- exact zeros
def test_gradients_that_are_exactly_0_are_marked_and_no_line_joins_them():
    result = initdash.run(initdash.TrainConfig(epochs=5))
    table = result.gradient_table(0)
    zeros = table[(table.scheme == "zeros") & (table.gradient == "dz")]
    assert zeros.sort_values("layer")["p50"].tolist()[0] == 0 and zeros["p50"].iloc[-1] > 0
    panels = distributions_charts.gradient_bands(table)
    spec = panels.chart.to_dict()
    rows = [r for _, (t,) in panels.tables for r in t.to_dict("records")]
    marks = {d["mark"]["type"] if isinstance(d["mark"], dict) else d["mark"]: d for d in
             walk(spec) if "mark" in d}  # fmt: skip
    assert marks["line"]["transform"] == [{"filter": "(datum.zero === 0)"}]
    assert marks["point"]["transform"] == [{"filter": "(datum.zero === 1)"}]  # the x marks
    assert {"field": "stretch", "type": "ordinal"} in marks["line"]["encoding"]["detail"]
    z = sorted((r["layer"], r["zero"], r["stretch"]) for r in rows
               if r["scheme"] == "zeros" and r["gradient"] == "dz")  # fmt: skip
    (l1, zero1, s1), (l2, zero2, s2) = z
    assert (zero1, zero2) == (1, 0) and s1 != s2  # the 0 and the value: two stretches
    assert all(r["zero"] == (r["p50"] == 0) for r in rows)
    notes = " ".join(panels.notes)
    assert "Zeros: median exactly 0, marked x, no line drawn to it" in notes


# --------------------------------------------------------------------------- signal flow depth
def test_a_one_layer_net_says_signal_flow_needs_depth_and_offers_5_layers():
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"epochs": "30", "view": "signal"})
    at.run()
    at.button(key="train").click().run()
    assert not at.exception
    (info,) = [i.value for i in at.main.info if "needs depth" in i.value]
    assert "**one hidden layer**" in info and "single dot" in info
    (tables,) = chart_tables(at)
    layers = {int(v) for t in tables.values() for v in t["layer"]}
    assert layers == {1}  # one dot per scheme, nothing to follow
    at.button(key="o_signal_deeper").click().run()
    assert at.session_state["w_depth"] == 5
    assert any("Press **Train** to see the signal through 5 hidden layers" in i.value
               for i in at.main.info)  # fmt: skip
    at.button(key="train").click().run()
    assert not at.exception
    assert at.session_state["run"].config.hidden == (16,) * 5
    assert not [i for i in at.main.info if "needs depth" in i.value or "see the signal" in i.value]
    (tables,) = chart_tables(at)
    layers = {int(v) for t in tables.values() for v in t["layer"]}
    assert layers == set(range(1, 6))
    open_view(at, "overview")
    live.clear()


@pytest.mark.parametrize("measure", list(flow_charts.MEASURES))
def test_every_signal_measure_still_draws_a_one_layer_net(measure):
    result = initdash.run(initdash.TrainConfig(epochs=5))
    assert flow_charts.signal_flow(result.layer_table(0), measure=measure).to_dict()
