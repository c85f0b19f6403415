"""AppTest runs of the real streamlit_app.py: it trains, every view renders, controls work."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import initdash
from dashboard import board, live
from dashboard.text import num, pct
from dashboard.views import summary
from dashboard.views.base import BN_EVALUATION, BN_SIGNAL, BN_WEIGHTS
from dashboard.views.registry import VIEWS, nav_state
from tests.test_charts import encodings

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
TINY = {"epochs": 50, "n_samples": 120}


def make_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    return at


def fresh(query: dict | None = None) -> AppTest:
    """A first page load (optionally from a link) with the run cache emptied."""
    live.clear()
    at = make_app(query).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def train(at: AppTest) -> AppTest:
    at.button(key="train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_view(at: AppTest, name: str) -> AppTest:
    for key, value in nav_state(name).items():  # as a click on its tab, then on it
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def run_of(at: AppTest) -> live.Run:
    return at.session_state["run"]


def chart_tables(at: AppTest) -> list[dict[str, pd.DataFrame]]:
    """Each chart's named datasets, decoded from the Arrow bytes the browser gets."""

    def table(d) -> pd.DataFrame:
        return pa.ipc.open_stream(d.data.data).read_all().to_pandas()

    return [{d.name: table(d) for d in c.proto.datasets} for c in at.get("vega_lite_chart")]


def test_first_page_renders_without_a_run():
    at = fresh()
    assert at.session_state["view"] == "overview"  # the first thing a new visitor sees
    assert "Press **Train**" in " ".join(i.value for i in at.info)
    assert at.button(key="train").disabled is False
    assert at.button(key="stop").disabled is True
    assert not at.error
    assert "run" not in at.session_state


def test_first_page_shows_where_each_scheme_starts_in_the_chart_training_fills_in():
    """Before Train the overview already has its loss chart: epoch 0 of every scheme and
    split, the numbers initdash.initial_curves measures (and a run records at epoch 0). After
    Train the chart's spec is the very same, so the browser keeps its Vega view and swaps
    data."""
    config = initdash.TrainConfig()
    at = fresh()
    (before,) = charts(at)
    (shown,) = chart_tables(at)[0].values()
    assert set(shown["epoch"]) == {0}
    expected = initdash.initial_curves(config)
    assert len(shown) == len(expected) == len(config.schemes) * 2
    labels = {initdash.SCHEMES[s].label: s for s in config.schemes}
    got = {(labels[r.scheme_label], r.split): r.loss for r in shown.itertuples()}
    want = {(r.scheme, r.split): r.loss for r in expected.itertuples()}
    assert got.keys() == want.keys()
    for key, loss in want.items():
        assert got[key] == pytest.approx(loss, rel=1e-6)  # float32 on the wire
    at = train(at)
    after = charts(at)[0]
    assert after == before
    (trained,) = chart_tables(at)[0].values()
    assert trained["epoch"].max() == config.epochs
    first = trained[trained["epoch"] == 0].sort_values(["scheme_label", "split"])
    assert first["loss"].to_numpy() == pytest.approx(
        shown.sort_values(["scheme_label", "split"])["loss"].to_numpy()
    )


def test_default_run_trains_and_every_view_renders():
    at = train(fresh())
    run = run_of(at)
    assert run.finished and not run.result.stopped
    assert run.result.epochs_done == initdash.TrainConfig().epochs
    assert charts(at), "the loss curves chart is missing"
    # one headline card per scheme
    text = " ".join(m.value for m in at.markdown)
    for name in initdash.TrainConfig().schemes:
        assert initdash.SCHEMES[name].label in text
    for name in VIEWS:
        at = open_view(at, name)
        if VIEWS[name].charts:
            assert charts(at), f"view {name} drew no chart"
        if name == "tldr":
            table = at.dataframe[0].value
            assert list(table["Initialization"]) == [
                initdash.SCHEMES[s].label for s in initdash.TrainConfig().schemes
            ]
            zeros = table[table["Initialization"] == "Zeros"].iloc[0]
            assert zeros["Symmetry broken?"] == "No: identical weights (1 of 16 distinct)"
            assert zeros["Learning outcome"] == "All neurons same (1 of 16 distinct)"
            assert zeros["Risk of vanishing/exploding gradient?"].startswith("No: blocked")
            large = table[table["Initialization"] == "Random large"].iloc[0]
            # the word and the number it came from, in the same cell
            ratio = large["backprop signal at init, layer 1 / output"]
            assert ratio > 1
            assert large["Risk of vanishing/exploding gradient?"] == (
                f"Yes: {pct(large['saturated at init'])} saturated "
                f"(layer 1 still gets x{num(ratio)})"
            )
            # ... and the climb it names is on the curve: loss at that epoch / lowest before it
            shown = re.fullmatch(
                r"Unstable training \(loss back to ([\d.]+)x its lowest at epoch (\d+)\)",
                large["Learning outcome"],
            )
            assert shown, large["Learning outcome"]
            run = initdash.run(initdash.TrainConfig())
            k = list(run.config.schemes).index("random_large")
            loss = run.curve("train_loss")[:, k]
            e = int(shown[2])
            assert loss[e] / loss[:e].min() == pytest.approx(float(shown[1]), rel=0.01)
        if name == "theory":
            text = " ".join(m.value for m in at.markdown)
            for scheme in initdash.SCHEMES.values():
                assert f"${scheme.latex}$" in text and scheme.label in text


def test_the_tldr_shows_every_verdict_beside_its_number_and_every_number_on_demand():
    """The TL;DR at a glance: a row per scheme, each verdict cell its word in bold over the
    number it came from (the details table's cell, split), the test accuracy; every number
    of the details table behind an expander (details on demand)."""
    at = open_view(train(fresh()), "tldr")
    (shown,) = [h.proto.body for h in at.get("html") if "class='tldr'" in h.proto.body]
    details = at.dataframe[0].value
    assert shown.count("<tr>") == 1 + len(details) == 1 + len(initdash.TrainConfig().schemes)
    for _, row in details.iterrows():
        assert html.escape(row["Initialization"]) in shown
        for col in summary.TLDR_VERDICTS:
            word, number = summary.split_verdict(row[col])
            assert number and f"{row[col]}" == f"{word} ({number})"
            assert summary.cell(col, html.escape(word), html.escape(number)) in shown
    zeros = summary.cell("Symmetry broken?", "No: identical weights", "1 of 16 distinct")
    assert zeros in shown
    assert [e.label for e in at.expander if "Every number" in e.label]


def test_every_chart_of_several_schemes_says_which_colour_is_which():
    """Issue 21: a legend or a direct label on every chart that draws several schemes: its own
    colour legend, or an HTML legend of the view naming every scheme in it (a panel of one
    scheme is headed by its name)."""
    at = train(fresh({"epochs": "60", "hidden": "8,8"}))
    labels = {initdash.SCHEMES[s].label for s in initdash.TrainConfig().schemes}
    for name, view in VIEWS.items():
        if not view.charts:
            continue
        at = open_view(at, name)
        legends = " ".join(h.proto.body for h in at.get("html"))
        for spec, tables in zip(charts(at), chart_tables(at), strict=True):
            shown = {str(v) for t in tables.values() if "scheme_label" in t
                     for v in t["scheme_label"].unique()}  # fmt: skip
            if len(shown) < 2:
                title = json.dumps(spec.get("title"))
                assert not shown or shown.pop() in title, (name, title)  # headed by its name
                continue
            own = [e for e in encodings(spec, "color") if e.get("field") == "scheme_label"
                   and e.get("legend", {}) is not None]  # fmt: skip
            assert own or all(label in legends for label in shown & labels), name


@pytest.mark.parametrize("activation", list(initdash.ACTIVATIONS))
def test_the_overview_draws_for_every_activation(activation):
    """The default view, after a run: the loss curves, the first hidden layer's divergence
    and one weight histogram per scheme (each a chart of that scheme alone)."""
    at = train(fresh({**TINY, "activation": activation, "hidden": "8,8"}))
    specs = charts(at)
    schemes = initdash.TrainConfig().schemes
    assert len(specs) == 2 + len(schemes)
    weights = specs[2:]
    assert [w["title"]["text"] for w in weights] == [initdash.SCHEMES[s].label for s in schemes]
    (div,) = chart_tables(at)[1].values()
    assert set(div["layer"]) == {1}


def test_neuron_pictures_of_clones_are_identical_on_the_page():
    """The Neurons view sends every drawn neuron's picture: Zeros' 8 neurons and Constant's 8
    neurons each have identical numbers, Xavier's 8 are all different."""
    at = open_view(train(fresh({"preset": "clones", "epochs": "50"})), "neurons")
    tables = [t for tabs in chart_tables(at) for t in tabs.values() if "output" in t]
    assert len(tables) == 3  # a panel of pictures per scheme
    maps = pd.concat(tables)
    for label, distinct in (("Zeros", 1), ("Constant", 1), ("Xavier normal", 8)):
        rows = maps[maps["scheme_label"] == label]
        pictures = {tuple(g["output"]) for _, g in rows.groupby("neuron", observed=True)}
        assert len(pictures) == distinct, label


def test_clones_headers_count_distinct_neurons_of_the_whole_layer():
    """A 40-wide layer: the heatmap shows its first 32 neurons, but the header's count is the
    layer's (the TL;DR's), so it reads "of 40", never "40 distinct of 32"."""
    at = open_view(
        train(fresh({**TINY, "hidden": "40", "schemes": "zeros,xavier_normal"})), "clones"
    )
    run = run_of(at)
    lt = run.result.layer_table(run.result.detail_epochs[-1])
    row = lt[(lt.layer == 1) & (lt.repeat == 0)]
    distinct = dict(zip(row.scheme, row.distinct_neurons, strict=True))
    texts = json.dumps(charts(at))
    for scheme, label in (("zeros", "Zeros"), ("xavier_normal", "Xavier normal")):
        assert f'"{label}", "{int(distinct[scheme])} distinct of 40"' in texts  # a panel
    assert "first 32 of 40 neurons" in " ".join(m.value for m in at.markdown)


def test_cards_say_only_what_has_happened():
    """A card's warning sits beside its number: "diverged at epoch N" (no "-1 distinct" for a
    scheme whose every repeat diverged), and "no learning" only once the run has ended."""
    r = initdash.run(
        initdash.TrainConfig(schemes=("random_large", "zeros"), large_scale=1000.0,
                             activation="relu", hidden=(16, 16, 16), noise=0.2, lr=1.0,
                             batch_size=0, epochs=10, snapshots=2)
    )  # fmt: skip
    big, zeros = (row for _, row in r.summary().iterrows())
    assert big["diverged"]
    text = summary.card_text(big).replace("**", "")
    assert f"diverged at epoch {big['diverged_epoch']}" in text and "-1" not in text
    live_zeros = zeros.copy()
    live_zeros["outcome"] = "no learning"
    assert "no learning" in summary.card_text(live_zeros, finished=True)
    assert "no learning" not in summary.card_text(live_zeros, finished=False)


def test_scrubbing_epochs_changes_the_shown_epoch_without_retraining():
    at = train(fresh(TINY))
    at = open_view(at, "signal")
    run = run_of(at)
    slider = next(s for s in at.select_slider if s.key.startswith("o_epoch"))
    assert slider.value == run.result.detail_epochs[-1]
    slider.set_value(0).run()
    assert not at.exception
    assert run_of(at) is run  # same run object: nothing retrained
    assert any("epoch **0**" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    "field, value",
    [
        ("w_dataset", "circles"),
        ("w_noise", 0.5),
        ("w_n_samples", 200),
        ("w_activation", "relu"),
        ("w_depth", 3),
        ("w_width", 8),
        ("w_widths", "12,6"),
        ("w_schemes", ["he_uniform", "orthogonal"]),
        ("w_optimizer", "adam"),
        ("w_lr", 0.01),
        ("w_epochs", 100),
        ("w_batch_size", 16),
        ("w_seed", 7),
        ("w_repeats", 2),
        ("w_batchnorm", True),
    ],
)
def test_changing_a_control_marks_stale_and_retrains(field, value):
    at = train(fresh(TINY))
    first = run_of(at)
    at.session_state[field] = value
    at.run()
    assert not at.exception
    assert any("settings changed" in w.value for w in at.warning)
    at = train(at)
    second = run_of(at)
    assert second is not first and second.finished
    assert not any("settings changed" in w.value for w in at.warning)
    assert second.config != first.config


@pytest.mark.parametrize("activation", list(initdash.ACTIVATIONS))
def test_every_scheme_with_every_activation_runs_clean(activation):
    at = fresh(
        {
            "epochs": "20",
            "n_samples": "60",
            "activation": activation,
            "schemes": ",".join(initdash.SCHEMES),
            "hidden": "4,4",
        }
    )
    at = train(at)
    run = run_of(at)
    assert run.finished and run.config.activation == activation
    assert len(run.result.summary()) == len(initdash.SCHEMES)
    for name in ("clones", "signal", "tldr"):
        open_view(at, name)


def test_stopped_run_keeps_its_partial_result():
    at = fresh({"epochs": "2000"})
    config = initdash.TrainConfig(epochs=2000)
    run = live.start(config, None, "generated")
    run.trainer.advance(epochs=37)
    at.session_state["run"] = run
    live.stop(run)  # what the Stop button's callback does
    at.run()
    assert not at.exception
    r = run_of(at).result
    assert r.finished and r.stopped and r.epochs_done == 37
    assert any("Stopped at epoch 37" in (p.proto.text or "") for p in at.get("progress"))
    assert charts(at)


def test_diverging_scheme_is_shown_as_diverged():
    at = fresh(
        {
            "schemes": "random_large,he_normal",
            "large_scale": "1000",
            "activation": "relu",
            "hidden": "16,16,16",
            "lr": "10",
            "epochs": "50",
            "n_samples": "120",
        }
    )
    at = train(at)
    s = run_of(at).result.summary().set_index("scheme")
    assert bool(s.loc["random_large", "diverged"])
    assert any("diverged" in m.value for m in at.markdown)
    at = open_view(at, "tldr")
    table = at.dataframe[0].value
    assert table.iloc[0]["Learning outcome"].startswith("Diverged")


def test_sessions_asking_for_the_same_run_share_one_training():
    """A class pressing Train on the same link at once trains once: every session joins the
    run in progress, any of them drives it, and the numbers are those of a run alone. A
    session that stops keeps a stopped copy; the others go on; later visitors hit the cache."""
    import threading

    import pandas as pd

    live.clear()
    config = initdash.TrainConfig(epochs=300, seed=5)
    a = live.start(config, None, "generated")
    b = live.start(config, None, "generated")
    assert a.shared is b.shared and a.sessions == b.sessions == 2
    live.advance(a, 0.0)  # session a trains one slice (at least one epoch)
    reached = b.result.epochs_done
    assert 0 < reached < config.epochs  # b sees it
    live.stop(b)
    assert b.result.stopped and b.result.epochs_done == reached and b.trainer is None
    c = live.start(config, None, "generated")  # joins a's run, which goes on
    assert c.shared is a.shared and not a.finished
    threads = [threading.Thread(target=live.advance, args=(r, 60.0)) for r in (a, c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert a.finished and c.finished and not a.result.stopped
    assert a.result is c.result and a.result.epochs_done == config.epochs
    pd.testing.assert_frame_equal(a.result.history(), initdash.run(config).history())
    assert b.result.epochs_done == reached  # the stopped copy stayed as it was
    assert live.start(config, None, "generated").from_cache


def test_a_run_nobody_watches_is_forgotten_and_train_again_starts_at_epoch_0():
    """Stop by the run's only session, or a second Train while it trains, leaves the run
    nobody watches: it is dropped, so the next Train of the same settings starts at epoch 0
    (before, it picked the abandoned run up where it stopped, and four Train/Stop pairs
    could add up to a finished run, shown as "Trained" right after a Stop click)."""
    live.clear()
    config = initdash.TrainConfig(epochs=300, seed=6)
    a = live.start(config, None, "generated")
    live.advance(a, 0.0)
    assert a.result.epochs_done > 0
    live.stop(a)
    b = live.start(config, None, "generated")
    assert b.shared is not a.shared and b.result.epochs_done == 0 and b.sessions == 1
    live.advance(b, 0.0)
    live.leave(b)  # what a second Train click does to the session's run in progress
    c = live.start(config, None, "generated")
    assert c.shared is not b.shared and c.result.epochs_done == 0
    d = live.start(config, None, "generated")  # another session: both watch one run
    live.leave(d)
    assert live.start(config, None, "generated").shared is c.shared  # c still watches it


def test_runs_of_different_sessions_train_one_slice_at_a_time(monkeypatch):
    """Two sessions' runs driven from two threads: their slices never overlap (one training
    slot per process, live.TRAINING_SLOTS), and both runs finish with the numbers of a run
    alone."""
    import threading

    import pandas as pd

    from initdash.train import Trainer

    live.clear()
    configs = [initdash.TrainConfig(epochs=60, seed=s) for s in (40, 41)]
    runs = [live.start(c, None, "generated") for c in configs]
    inside, most = [0], [0]
    guard = threading.Lock()
    real = Trainer.advance

    def counted(self, *args, **kwargs):
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.005)  # a slice long enough for the other thread to try its own
            return real(self, *args, **kwargs)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(Trainer, "advance", counted)

    def drive(run):
        while not run.finished:
            live.advance(run, 0.0)  # one epoch a slice: many slices from each thread

    threads = [threading.Thread(target=drive, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert live.TRAINING_SLOTS == 1 and most[0] == 1
    for run, config in zip(runs, configs, strict=True):
        pd.testing.assert_frame_equal(run.result.history(), initdash.run(config).history())


def test_a_busy_server_asks_a_new_run_to_wait_but_never_a_shared_one(monkeypatch):
    """Runs in progress share the server: a Train that would take the runs being driven over
    cost.SERVER_SECONDS of predicted training waits (with a message saying why and how much);
    joining a run in progress or loading a finished one costs nothing and is never refused; a
    run no session has driven for live.ACTIVE seconds no longer counts."""
    live.clear()
    config = initdash.TrainConfig(epochs=1000)
    seconds = initdash.cost.seconds(config)
    monkeypatch.setattr(initdash.cost, "SERVER_SECONDS", 3.5 * seconds)  # 3 such runs at once
    runs = [live.start(config.replace(seed=s), None, "generated") for s in range(3)]
    with pytest.raises(live.ServerBusy) as info:
        live.start(config.replace(seed=99), None, "generated")
    message = str(info.value)
    assert "3 runs in progress still need about" in message and "Press Train again" in message
    assert f"this one about {initdash.cost.duration(seconds)}" in message
    joined = live.start(config.replace(seed=0), None, "generated")  # the same run: shared
    assert joined.shared is runs[0].shared
    live.advance(runs[1], 0.0)  # one slice of a run: less left, still too much for another
    with pytest.raises(live.ServerBusy):
        live.start(config.replace(seed=99), None, "generated")
    for r in runs[1:]:  # their sessions went away: only run 0 is driven
        r.shared.touched -= live.ACTIVE
    assert live.start(config.replace(seed=99), None, "generated").shared is not None
    live.clear()


def test_a_train_click_on_a_busy_server_says_so_and_starts_nothing(monkeypatch):
    at = fresh()
    other = live.start(initdash.TrainConfig(seed=123), None, "generated")  # another session's
    monkeypatch.setattr(initdash.cost, "SERVER_SECONDS", 1.5 * other.shared.seconds)
    train(at)
    assert "run" not in at.session_state
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("The server is busy: 1 run in progress") and "Press Train" in warning
    monkeypatch.setattr(initdash.cost, "SERVER_SECONDS", 10 * other.shared.seconds)
    train(at)  # room again: it starts, and the message is gone
    assert run_of(at).finished and not at.warning
    live.clear()


def test_a_short_run_is_trained_before_the_page_draws_and_a_long_one_is_not():
    """live.train_first: a run predicted under live.TRAIN_FIRST seconds is finished before the
    first draw (one draw instead of three); a longer one is left to the live loop, untouched;
    the numbers are those of a run alone."""
    import pandas as pd

    live.clear()
    short = initdash.TrainConfig(epochs=300, seed=4)
    assert initdash.cost.seconds(short) < live.TRAIN_FIRST
    run = live.start(short, None, "generated")
    live.train_first(run)
    assert run.finished and not run.result.stopped
    pd.testing.assert_frame_equal(run.result.history(), initdash.run(short).history())
    long = initdash.TrainConfig(epochs=5000, hidden=(32, 32, 32), seed=4)
    assert initdash.cost.seconds(long) > live.TRAIN_FIRST
    run = live.start(long, None, "generated")
    live.train_first(run)
    assert run.result.epochs_done == 0
    live.clear()


def test_no_run_trains_longer_than_the_classroom_limit(monkeypatch):
    """The prediction can be too low (a run may slow down as it trains): a run whose training
    has taken cost.CLASSROOM_SECONDS of CPU stops there, for every session, says why, and is
    not cached as the finished run of its config."""
    live.clear()
    config = initdash.TrainConfig(epochs=3000, seed=8)
    monkeypatch.setattr(initdash.cost, "CLASSROOM_SECONDS", 0.3)
    a = live.start(config, None, "generated")
    b = live.start(config, None, "generated")
    while not a.finished:
        live.advance(a, 0.1)
    assert a.result.stopped and 0 < a.result.epochs_done < config.epochs
    assert a.shared.cpu < 0.3 + 0.5  # at most one slice past the limit
    frac, text = live.progress(a)
    assert "reached the classroom limit of 0.3 s of training" in text and "predicted" in text
    assert b.finished and b.result is a.result  # the other session's run stopped too
    assert not live.start(config, None, "generated").from_cache
    live.clear()


def test_the_sidebar_shows_the_predicted_time_and_refuses_a_run_over_the_limit():
    at = fresh()
    (caption,) = [c.value for c in at.sidebar.caption if c.value.startswith("Train ")]
    predicted = initdash.cost.seconds(initdash.TrainConfig())
    assert f"about **{initdash.cost.duration(predicted)}**" in caption
    assert "on a quiet server (the limit is 30 s of computing per run)" in caption
    at.session_state["w_batch_size"] = 8
    at.session_state["w_depth"] = 30
    at.session_state["w_width"] = 8
    at.session_state["w_epochs"] = 5000
    at.run()
    assert at.button(key="train").disabled
    (error,) = [e.value for e in at.error]
    assert "classroom limit of 30 s per run" in error and "it fits with" in error
    assert "batch size 8" in error  # what it is now, then what fits
    assert not [c for c in at.sidebar.caption if c.value.startswith("Train ")]


def test_chart_spec_sends_each_table_once_under_a_fixed_name():
    """board.chart_spec (what the app sends) names tables table0, table1, ... instead of by a
    hash of their bytes, sends a table shared by several panels once (as many tables as
    Streamlit's own conversion, which dedupes by content), and leaves the chart unchanged."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    from dashboard.views import boundary_charts, curves_charts, weights_charts

    r = initdash.run(initdash.TrainConfig(epochs=30, n_samples=120))
    curves, facts = curves_charts.loss_curves_table(r.curves_table())
    now, init = r.weights_table(None, layers=[1]), r.weights_table(0, layers=[1])
    tables, domain, c = weights_charts.scheme_weights_tables(now, init)
    for chart in (
        boundary_charts.decision_boundaries(r.boundary_table(None), r.points_table()).chart,
        curves_charts.loss_chart(curves, **facts, epochs=30),
        weights_charts.scheme_weights(tables["zeros"], "zeros", domain=domain["zeros"], c=c),
    ):
        before = chart.to_dict()
        spec = board.chart_spec(chart)
        names = list(spec["datasets"])
        assert names == [f"{board.DATASET}{i}" for i in range(len(names))]
        used = set(re.findall(r'"name": "([^"]+)"', json.dumps({**spec, "datasets": None})))
        assert set(names) <= used
        streamlit_own = _convert_altair_to_vega_lite_spec(chart)["datasets"]
        assert len(names) == len(streamlit_own)
        assert all(isinstance(df, pd.DataFrame) for df in spec["datasets"].values())
        assert chart.to_dict() == before  # the chart still holds its own data


def captions(at: AppTest) -> str:
    """Every caption's text, a view's "what to look for" whole (its head and the rest behind
    "more" joined again)."""
    text = " ".join(c.value for c in at.caption)
    return re.sub(r" …\n\n<details><summary>more</summary>\n\n(.*?)\n\n</details>", r" \1", text)


def test_a_batchnorm_run_draws_every_view_and_says_how_batchnorm_shows():
    """?batchnorm=on trains with BatchNorm (the sidebar toggle reads on); every view draws,
    and the weights, signal, neurons and boundary views say what their numbers are."""
    at = train(fresh({"batchnorm": "on", "epochs": "50", "n_samples": "120"}))
    assert at.session_state["w_batchnorm"] is True
    assert at.toggle(key="w_batchnorm").value is True
    run = run_of(at)
    assert run.finished and run.config.batchnorm and run.result.config.batchnorm
    notes = {"weights": BN_WEIGHTS, "signal": BN_SIGNAL,
             "neurons": BN_EVALUATION, "boundary": BN_EVALUATION}  # fmt: skip
    for name, view in VIEWS.items():
        at = open_view(at, name)
        if view.charts:
            assert charts(at), f"view {name} drew no chart"
        if name in notes:
            assert notes[name] in captions(at), name
        if name == "deep":
            assert "plain layers: the lab has no BatchNorm" in " ".join(
                m.value for m in at.markdown
            )
    at = open_view(train(fresh({"epochs": "50", "n_samples": "120"})), "weights")
    assert BN_WEIGHTS not in captions(at)


def test_the_deep_lab_draws_the_scale_depth_map_with_its_numbers():
    """The lab's second chart is the scale x depth map of its own settings; its caption's
    numbers are the map's (the spread, or with the toggle the backprop signal)."""
    at = open_view(fresh(), "deep")
    specs = charts(at)
    assert len(specs) == 2
    assert any(e.get("field") == "decades" for e in specs_encodings(specs[1], "color"))
    cells = initdash.lab.scale_depth_map(initdash.TrainConfig(), depth=20, width=128)
    last = cells[cells.layer == 20].set_index("gain")
    text = captions(at)
    assert "**Here**, spread at depth 20" in text
    assert f"LeCun = Xavier (1): x{num(last.spread[1.0])}" in text
    at.toggle(key="o_deep_map_backprop").set_value(True).run()
    assert not at.exception
    text = captions(at)
    assert "**Here**, backprop signal (layer 1 over layer d) at depth 20" in text
    assert f"LeCun = Xavier (1): x{num(last.backprop[1.0])}" in text
    assert "backprop" in json.dumps(charts(at)[1]["title"])


def specs_encodings(spec: dict, channel: str) -> list[dict]:
    found = []
    for layer in spec.get("layer", [spec]):
        enc = layer.get("encoding", {})
        if channel in enc:
            found.append(enc[channel])
    return found
