"""Text alternatives and labels a screen reader reads (issue 25, item 8), in the real app
(AppTest): every chart in every view carries a description of what it shows, and no label
that is read out carries an icon (its name would be read out with it)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import live
from dashboard.views import kit, legends
from dashboard.views.registry import VIEWS
from tests.test_app import open_view

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def test_describe_names_the_title_kind_axes_schemes_and_notes():
    spec = {
        "title": {"text": "Training loss", "subtitle": ["solid: training set"]},
        "layer": [
            {
                "mark": {"type": "line"},
                "encoding": {
                    "x": {"field": "epoch", "axis": {"title": "epoch"}},
                    "y": {"field": "loss", "title": "loss (log scale)"},
                    "color": {"field": kit.SCHEME, "scale": {"domain": ["Zeros", "He normal"]}},
                },
            }
        ],
    }
    assert legends.describe(spec) == (
        "Training loss: line chart of loss (log scale) against epoch, for Zeros and He normal. "
        "solid: training set."
    )
    heat = {"title": "Map", "mark": "rect", "encoding": {"color": {"type": "quantitative"}}}
    assert legends.describe(heat) == "Map: heatmap."


def test_every_chart_in_every_view_says_what_it_shows_and_no_label_carries_an_icon():
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"epochs": "40"})
    at.run()
    assert not any(":material/" in c.value for c in at.sidebar.caption)
    at.button(key="train").click().run()
    assert all(":material/" not in v.label and v.label == v.title for v in VIEWS.values())
    described = 0
    for view in VIEWS.values():
        open_view(at, view.name)
        assert at.session_state["view"] == view.name
        for chart in at.get("vega_lite_chart"):
            spec = json.loads(chart.proto.spec)
            title = spec.get("title")
            title = title.get("text") if isinstance(title, dict) else title
            title = " ".join(title) if isinstance(title, list) else title  # a two-line title
            about = spec["description"]
            assert about.startswith(f"{title}: ") and len(about) > len(title) + 10, about
            described += 1
    assert described >= 20
    live.clear()
