"""The rule at the step's epoch on the time charts (dashboard/epoch_rule.py): it lands in every
layered part plotted over epochs, once, and nowhere else; the specs stay valid Vega-Lite."""

from __future__ import annotations

import altair as alt
import pytest

import initdash
from dashboard import board
from dashboard.epoch_rule import RULE_NAME, mark_epoch
from dashboard.views import clones_charts, curves_charts, distributions_charts, flow_charts


@pytest.fixture(scope="module")
def result():
    return initdash.run(initdash.TrainConfig(epochs=60, n_samples=120, hidden=(8, 8)))


def rules(spec) -> list[dict]:
    """Every rule layer in the spec, with the x it sits at."""
    found = []
    if isinstance(spec, dict):
        if spec.get("name") == RULE_NAME:
            found.append(spec)
        for value in spec.values():
            found += rules(value)
    elif isinstance(spec, list):
        for value in spec:
            found += rules(value)
    return found


def time_charts(result):
    table, facts = curves_charts.loss_curves_table(
        result.curves_table(max_points=200), metric="loss", log_scale=True
    )
    div = result.divergence_table()
    dtable, dfacts = clones_charts.divergence_table(div[div["layer"] == 1])
    return {
        "loss": curves_charts.loss_chart(table, **facts),
        "divergence": clones_charts.divergence_chart(dtable, **dfacts),
        "updates": distributions_charts.update_ratios(result.update_table()),
    }


def test_each_time_chart_gets_one_rule_at_the_epoch_and_stays_valid(result):
    for name, chart in time_charts(result).items():
        spec = board.chart_spec(getattr(chart, "chart", chart))  # small multiples: their spec
        marked = mark_epoch(spec, 40)
        found = rules(marked)
        assert found, name
        assert {r["encoding"]["x"]["datum"] for r in found} == {40}, name
        assert not rules(spec)  # the spec given is left as it was
        assert rules(mark_epoch(marked, 40)) == found  # marking twice adds nothing
        alt.Chart.from_dict({k: v for k, v in marked.items() if k != "datasets"})  # validates


def test_charts_not_over_epochs_and_no_epoch_get_no_rule(result):
    spec = board.chart_spec(flow_charts.signal_flow(result.layer_table(0), measure="act_std"))
    assert not rules(mark_epoch(spec, 40))  # x is the layer
    loss = board.chart_spec(time_charts(result)["loss"])
    assert mark_epoch(loss, None) is loss
