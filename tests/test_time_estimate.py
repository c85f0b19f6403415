"""What a student will wait after Train: the predicted seconds of computing scaled by the
slowdown this server measured on its recent runs (issue 25, item 4). The registry's arithmetic,
a real run recording its own wall time, and the sidebar of the real app (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import initdash
from dashboard import live
from initdash.cost import duration

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def test_the_slowdown_is_wall_over_predicted_seconds_of_the_recent_runs(monkeypatch):
    runs = live.LiveRuns()
    assert runs.slowdown() is None
    runs.ended(wall=0.3, predicted=0.2)  # tiny runs alone tell nothing
    assert runs.slowdown() is None
    for wall, predicted in ((20.0, 10.0), (6.0, 2.0), (3.0, 3.0)):
        runs.ended(wall, predicted)
    slow = runs.slowdown()
    assert slow.factor == pytest.approx(29.3 / 15.2)  # weighted by the predicted seconds
    assert (slow.low, slow.high, slow.runs) == (pytest.approx(1.0), pytest.approx(3.0), 4)
    for _ in range(live.RECENT_RUNS):  # only the last RECENT_RUNS count
        runs.ended(5.0, 5.0)
    assert runs.slowdown().factor == pytest.approx(1.0)
    now = live.time.monotonic()
    monkeypatch.setattr(live.time, "monotonic", lambda: now + live.RECENT_S + 1)
    assert runs.slowdown() is None  # and only those that ended recently


def test_a_run_counts_past_half_its_epochs_and_records_its_wall_time_when_it_ends():
    live.clear()
    config = initdash.TrainConfig(epochs=1200, seed=11)
    predicted = initdash.cost.seconds(config)
    assert predicted * 2 / 3 > live.RECENT_MIN_S
    t0 = live.time.monotonic()
    run = live.start(config, None, "generated")
    run.shared.trainer.advance(epochs=400)  # a third: too early to tell
    assert live.live_runs().slowdown() is None
    run.shared.trainer.advance(epochs=400)  # two thirds, in progress: its speed so far
    slow = live.live_runs().slowdown()
    elapsed = live.time.monotonic() - t0
    assert slow.runs == 1 and 0 < slow.factor <= elapsed / (predicted * 2 / 3)
    while not run.finished:
        live.advance(run, 0.2)
    wall = live.time.monotonic() - t0
    ((_, recorded, ended_predicted),) = live.live_runs()._ended
    assert ended_predicted == pytest.approx(predicted)
    assert 0 < recorded <= wall
    live.clear()


def test_the_sidebar_scales_the_estimate_by_the_measured_slowdown():
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    t = initdash.cost.seconds(initdash.TrainConfig())
    for wall, predicted in ((27.9, 10.0), (19.0, 10.0), (34.0, 10.0)):  # 2.79x, 1.9x, 3.4x
        live.live_runs().ended(wall, predicted)
    at.run()
    (caption,) = [c.value for c in at.sidebar.caption if "Train takes about" in c.value]
    assert f"about **{duration(t * 80.9 / 30)}** on this server now" in caption
    assert f"({duration(t * 1.9)} to {duration(t * 3.4)})" in caption
    assert f"{duration(t)} of computing times 2.7, the slowdown of the last 3 runs" in caption
    live.clear()
    at.run()
    (caption,) = [c.value for c in at.sidebar.caption if "Train takes about" in c.value]
    assert f"about **{duration(t)}** on a quiet server" in caption
    at.button(key="train").click().run()  # now this server has the finished run: no wait
    at.run()
    (caption,) = [c.value for c in at.sidebar.caption if c.value.startswith("Train ")]
    assert "finished run of these exact settings at once" in caption
    live.clear()
