"""The decision-boundary view: each scheme's predictions over the plane, with the data."""

from __future__ import annotations

import streamlit as st

from dashboard import board
from dashboard.views import boundary_charts as charts
from dashboard.views.base import BN_EVALUATION, ViewInput, bn_note, look_for, shown_epoch


def boundary_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result = inp.result
    if result.grid is None:
        out.info(
            "Decision boundaries need 2-D data; this dataset has "
            f"{result.data.n_features} features."
        )
        return
    shown = shown_epoch(inp)
    look_for(
        "The background is the network's prediction over the plane; points are the data "
        "(hollow: test set). Zeros can only draw what a single neuron can: at best a straight "
        "line, usually nothing. A scheme that breaks symmetry bends the boundary around the "
        "data." + bn_note(result, BN_EVALUATION),
        out=out,
    )
    board.send_panels(
        charts.decision_boundaries(
            result.boundary_table(shown),
            result.points_table(),
            title=f"Decision boundaries at epoch {shown} (first seed of each scheme)",
            class_names=result.data.class_names,
            feature_names=result.data.feature_names,
        ),
        out,
    )
