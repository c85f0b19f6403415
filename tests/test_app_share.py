"""AppTest runs of the real streamlit_app.py for lessons and sharing: preset links, share links
that restore every control and that the page writes back, bad links, hidden sections, CSV upload
and the downloads."""

from __future__ import annotations

import html
import io
import json
import re
import urllib.parse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import initdash
from dashboard import live
from dashboard.links import CONFIG_KEYS, _show, parse_query, to_query
from dashboard.views.registry import group_of
from initdash import cost
from initdash.config import FIELDS
from initdash.cost import CLASSROOM_SECONDS
from initdash.presets import PRESETS
from tests.test_app import open_view
from tests.test_charts import walk

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
DEFAULT = initdash.TrainConfig()
LINK_WARNING = "Some settings in this link were not used"


# --------------------------------------------------------------------------- helpers
def fresh(query: dict | None = None) -> AppTest:
    """A first page load from a link, with the run cache emptied."""
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def train(at: AppTest) -> live.Run:
    at.button(key="train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state["run"]
    assert run.finished and not run.result.stopped
    return run


def plain(markdown: str) -> str:
    """Undo the app's Markdown escaping (a backslash before each special character)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def link_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if plain(w.value).startswith(LINK_WARNING)]


def controls_of(at: AppTest) -> dict:
    return {k: at.session_state[f"w_{k}"] for k in CONFIG_KEYS}


def as_config(values: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def expected_query(query: dict) -> dict:
    """The URL the app should write back for a link: the parsed link, re-serialized."""
    shared = parse_query(query)
    return to_query(shared.config, preset=shared.preset, view=shared.view, hide=shared.hide)


# --------------------------------------------------------------------------- presets
@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_link_sets_every_control_and_shows_the_lesson(name):
    preset = PRESETS[name]
    at = fresh({"preset": name})
    assert not link_warnings(at)
    main = [m.value for m in at.main.markdown]  # the lesson's first step, in the main area
    assert any(preset.steps[0].text in m for m in main)
    assert preset.title not in " ".join(m.value for m in at.sidebar.markdown)
    assert at.session_state["w_preset"] == name
    assert as_config(controls_of(at)) == {k: getattr(preset.config(), k) for k in CONFIG_KEYS}
    assert at.session_state["view"] == preset.view
    assert at.session_state["view_group"] == group_of(preset.view).label  # its tab is open
    assert at.session_state[f"view_in_{group_of(preset.view).name}"] == preset.view
    assert at.query_params == {"preset": name}  # the app keeps the short link
    assert at.button(key="train").disabled is False and not at.error


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_link_with_a_short_run_trains_that_preset(name):
    preset = PRESETS[name]
    at = fresh({"preset": name, "epochs": "30"})
    assert not link_warnings(at)
    assert at.query_params == {"preset": name, "epochs": "30"}  # the preset, plus the override
    assert at.session_state["w_epochs"] == 30
    assert at.session_state["w_schemes"] == preset.config().schemes
    run = train(at)
    assert run.config == preset.config().replace(epochs=30)
    assert run.result.epochs_done == 30 and not at.error
    assert at.session_state["view"] == preset.view  # training keeps the lesson's view open
    assert at.query_params == {"preset": name, "epochs": "30"}
    # the lesson's steps describe its own settings: the page says so instead of showing them
    main = " ".join(m.value for m in at.main.markdown)
    assert "the settings differ from the lesson's" in main and preset.steps[0].text not in main
    if preset.view == "tldr":
        assert len(at.dataframe) == 1
    elif preset.view not in ("theory",):
        assert at.get("vega_lite_chart"), f"the {preset.view} view of {name} drew no chart"


# --------------------------------------------------------------------------- share links
def shown_links(at) -> list[str]:
    """The addresses of the share box's links (the sidebar's HTML anchors)."""
    found = [re.findall(r'<a href="([^"]+)"', m.proto.body) for m in at.sidebar.get("html")]
    return [html.unescape(h) for hrefs in found for h in hrefs]


EVERYTHING = initdash.TrainConfig(
    dataset="spirals",
    n_samples=150,
    noise=0.3,
    n_classes=3,
    imbalance=4.0,
    hidden=(6, 5),
    activation="relu",
    batchnorm=True,
    residual=True,
    schemes=("he_uniform", "lsuv", "constant", "random_small", "random_large"),
    small_scale=0.03,
    large_scale=3.0,
    constant_value=-0.25,
    bias_init="random",
    bias_std=2.0,
    optimizer="momentum",
    lr=0.03,
    momentum=0.8,
    epochs=25,
    batch_size=16,
    seed=12345,
    repeats=2,
)


def test_link_with_every_parameter_restores_every_control_and_round_trips():
    assert all(getattr(EVERYTHING, k) != getattr(DEFAULT, k) for k in CONFIG_KEYS)
    query = to_query(EVERYTHING, view="signal")
    assert set(query) == {*CONFIG_KEYS, "view"}
    at = fresh(query)
    assert not link_warnings(at) and not at.error
    assert as_config(controls_of(at)) == {k: getattr(EVERYTHING, k) for k in CONFIG_KEYS}
    assert at.session_state["w_widths"] == "6,5"  # the network section shows the widths
    assert at.session_state["view"] == "signal"
    assert at.query_params == query  # the URL the app writes reproduces the same config
    # the link shown in the share box carries the same parameters, readable: plain commas
    # and a "/" before the "?"
    (link,) = shown_links(at)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query) == {
        k: [v] for k, v in query.items()
    }
    assert "%2C" not in link and "schemes=he_uniform,lsuv," in link and "/?" in link
    run = train(at)
    assert run.config == EVERYTHING
    assert at.query_params == query
    # the written-back URL, opened again, gives the same page
    again = fresh(dict(at.query_params))
    assert as_config(controls_of(again)) == {k: getattr(EVERYTHING, k) for k in CONFIG_KEYS}
    assert again.query_params == query


def test_a_deep_net_is_linked_as_width_x_depth():
    """25.3: a 10-layer net of 16 is written ``hidden=16x10`` (not 16,16,...), read back into
    the network section's sliders, and shown so in the share box."""
    at = fresh({"hidden": "16x10", "epochs": "20"})
    assert not link_warnings(at)
    assert (at.session_state["w_depth"], at.session_state["w_width"]) == (10, 16)
    assert at.query_params["hidden"] == "16x10"
    (link,) = shown_links(at)
    assert "hidden=16x10&" in link + "&" and "16,16" not in link


def test_changing_a_control_updates_the_written_link():
    at = fresh({"epochs": "25", "n_samples": "100"})
    at.session_state["w_seed"] = 7
    at.session_state["w_activation"] = "sigmoid"
    at.run()
    assert not at.exception
    assert at.query_params == {
        "epochs": "25",
        "n_samples": "100",
        "seed": "7",
        "activation": "sigmoid",
    }
    config = parse_query(at.query_params).config
    assert config == DEFAULT.replace(epochs=25, n_samples=100, seed=7, activation="sigmoid")


@pytest.mark.parametrize(
    "query",
    [
        {"n_samples": "20"},  # the smallest a link may ask for
        {"n_samples": "49", "epochs": "1"},
        {"n_samples": "2000", "epochs": "5000", "schemes": "zeros"},
        {"lr": "1e-05", "small_scale": "1e-06", "large_scale": "1000.0", "epochs": "7"},
        {"optimizer": "momentum", "momentum": "0.999", "constant_value": "-10.0"},
        {"seed": str(2**32 - 1), "batch_size": "100000", "noise": "2.0", "repeats": "5"},
        {"dataset": "blobs", "n_classes": "6", "hidden": "128x30", "epochs": "1",
         "n_samples": "50", "schemes": "he_normal"},
    ],
)  # fmt: skip
def test_edge_values_of_a_link_load_and_are_kept(query):
    at = fresh(query)
    assert not link_warnings(at) and not at.error
    config = parse_query(query).config
    assert as_config(controls_of(at)) == {k: getattr(config, k) for k in CONFIG_KEYS}
    assert at.query_params == query


def test_link_without_hidden_layers_is_refused_with_a_warning():
    """The app needs at least one hidden layer (the lesson is about its neurons), so a link
    asking for none is refused with a warning, not silently changed."""
    at = fresh({"hidden": "", "epochs": "10"})
    assert any("'hidden'" in w for w in link_warnings(at))
    assert at.query_params == {"epochs": "10"}


def test_choosing_a_preset_in_the_sidebar_writes_it_into_the_link():
    at = fresh({"epochs": "30"})
    at.selectbox(key="w_preset").set_value("clones").run()
    assert not at.exception
    assert at.query_params == {"preset": "clones"}  # every control took the preset's value
    assert at.session_state["view"] == "clones"
    at.session_state["w_epochs"] = 200
    at.run()
    assert at.query_params == {"preset": "clones", "epochs": "200"}
    at.selectbox(key="w_preset").set_value("none").run()
    assert parse_query(at.query_params).config == PRESETS["clones"].config().replace(epochs=200)


# --------------------------------------------------------------------------- bad links
BAD_LINKS = {
    "unknown key": ({"bogus": "1", "epochs": "30"}, ["bogus"]),
    "bad number": ({"epochs": "abc", "seed": "7"}, ["epochs"]),
    "huge number": ({"n_samples": "1e308", "lr": str(10**30)}, ["n_samples", "lr"]),
    "out of range": (
        {"noise": "9", "repeats": "0", "momentum": "-1"},
        ["noise", "repeats", "momentum"],
    ),
    "over the classroom cap": ({"n_samples": "50000", "repeats": "20"}, ["n_samples", "repeats"]),
    "unknown scheme": ({"schemes": "zeros,evil", "activation": "relu"}, ["schemes"]),
    "duplicated key": ({"lr": ["0.1", "0.2"], "epochs": "30"}, ["lr"]),
    "injection value": (
        {"dataset": "<script>alert(1)</script>", "activation": "'; DROP TABLE", "view": ":red[x]"},
        ["dataset", "activation", "view"],
    ),
    "injection keys": (
        {
            "<script>alert(1)</script>": "1",
            "[x](javascript:alert(1))": "2",
            "../../etc/passwd": "%00",
        },
        ["<script>alert(1)</script>", "[x](javascript:alert(1))", "../../etc/passwd"],
    ),
    "page parameters": (
        {"preset": "nope", "hide": "everything", "view": "x"},
        ["preset", "hide", "view"],
    ),
    "clash": ({"dataset": "moons", "n_classes": "4"}, ["n_classes"]),
}


@pytest.mark.parametrize("case", list(BAD_LINKS))
def test_bad_link_warns_once_naming_each_rejected_parameter(case):
    query, rejected = BAD_LINKS[case]
    at = fresh(query)  # no exception
    (warning,) = link_warnings(at)
    text = plain(warning)
    lines = text.splitlines()[1:]
    assert len(lines) == len(rejected), text
    for key, line in zip(rejected, lines, strict=True):
        assert _show(key) in line, (key, line)
    for payload in ("<script>", "[x](javascript", ":red[x]"):
        assert payload not in warning  # shown literally (escaped), never as Markdown/HTML
    # rejected config parameters fall back to their defaults; the valid ones are used
    shared = parse_query(query)
    assert cost.classroom_problems(shared.config) == []
    assert as_config(controls_of(at)) == {k: getattr(shared.config, k) for k in CONFIG_KEYS}
    for key in rejected:
        if key in CONFIG_KEYS:
            assert at.session_state[f"w_{key}"] == FIELDS[key].default
    for key in set(query) - set(rejected):
        if key in CONFIG_KEYS:
            assert at.session_state[f"w_{key}"] == FIELDS[key].parse(query[key])
    assert at.query_params == expected_query(query)  # the bad parameters leave the URL
    assert at.button(key="train").disabled is False and not at.error
    # the warning can be dismissed
    at.button(key="dismiss_link").click().run()
    assert not at.exception and not link_warnings(at)


def test_hostile_link_trains_within_the_classroom_caps():
    query = {
        "epochs": "30",
        "n_samples": "99999",
        "hidden": ",".join(["128"] * 30),
        "repeats": "50",
        "schemes": ",".join(initdash.SCHEMES),
        "lr": "nan",
        "seed": "-1",
    }
    at = fresh(query)
    (warning,) = link_warnings(at)
    for key in ("n_samples", "repeats", "hidden", "lr", "seed"):
        assert _show(key) in plain(warning)
    run = train(at)
    assert cost.classroom_problems(run.config) == []
    assert cost.seconds(run.config) <= CLASSROOM_SECONDS
    assert run.config.epochs == 30 and run.config.schemes == tuple(initdash.SCHEMES)


# --------------------------------------------------------------------------- hidden sections
def test_hidden_sections_are_not_drawn_but_their_values_apply():
    query = {
        "hide": "data,network",
        "dataset": "xor",
        "n_samples": "60",
        "noise": "0.1",
        "hidden": "3,3",
        "activation": "relu",
        "epochs": "20",
    }
    at = fresh(query)
    assert not link_warnings(at)
    labels = [e.label for e in at.sidebar.expander]
    assert "Initialization" in labels and "Training" in labels
    assert not {"Data", "Network", "Your own data (CSV)"} & set(labels)
    assert not at.file_uploader  # the upload lives in the data section
    assert not any(s.key == "w_dataset" for s in at.selectbox)
    assert at.query_params == query  # hide stays in the link, in its order
    run = train(at)
    assert run.config == DEFAULT.replace(
        dataset="xor", n_samples=60, noise=0.1, hidden=(3, 3), activation="relu", epochs=20
    )
    assert at.query_params == query


def test_hiding_every_section_still_trains_the_link():
    query = {"hide": "presets,data,network,init,training,share", "epochs": "15", "seed": "3"}
    at = fresh(query)
    assert not at.sidebar.expander and not at.sidebar.selectbox
    assert not shown_links(at)  # no share box
    run = train(at)
    assert run.config == DEFAULT.replace(epochs=15, seed=3)


# --------------------------------------------------------------------------- CSV upload
def _csv(n_features: int, n_classes: int, rows: int = 60, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    header = ",".join([f"f{j}" for j in range(n_features)] + ["label"])
    lines = [header]
    for i in range(rows):
        y = i % n_classes
        x = rng.normal(size=n_features) + y
        lines.append(",".join(f"{v:.4f}" for v in x) + f",{y}")
    return ("\n".join(lines) + "\n").encode()


def upload(at: AppTest, name: str, raw: bytes) -> AppTest:
    at.file_uploader(key="w_upload").set_value((name, raw, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_good_csv_trains_on_the_uploaded_data():
    at = upload(fresh({"epochs": "20"}), "d.csv", _csv(3, 3))
    assert not at.error
    assert any("3 features, 3 classes" in plain(i.value) for i in at.info)
    run = train(at)
    assert run.data_key.startswith("csv:")
    assert run.result.data.n_features == 3 and run.result.data.n_classes == 3
    assert set(run.result.summary()["scheme"]) == set(DEFAULT.schemes)
    open_view(at, "boundary")
    assert any("need 2-D data" in i.value and "3 features" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")
    # the uploaded data is not part of the link
    assert at.query_params == {"epochs": "20", "view": "boundary"}


BAD_FILES = {
    "empty": b"",
    "no label column": b"a,b\n" + b"1,2\n" * 12,
    "non-numeric cell": b"a,b,label\n" + b"1,2,0\n3,4,1\n" * 5 + b"1,oops,0\n",
    "one class": b"a,b,label\n" + b"1,2,0\n" * 12,
    "too many columns": _csv(initdash.csvfile.MAX_CSV_FEATURES + 1, 2, rows=12),
    "not text": bytes(range(256)) * 4,
}


def test_bad_csv_files_show_the_loader_message_and_training_goes_on():
    at = fresh({"epochs": "20", "n_samples": "100"})
    upload(at, "good.csv", _csv(2, 2))
    assert not at.error
    for what, raw in BAD_FILES.items():
        with pytest.raises(ValueError) as err:
            initdash.load_csv(io.BytesIO(raw))
        upload(at, "bad.csv", raw)
        errors = [plain(e.value) for e in at.sidebar.error]
        assert errors == [f"bad.csv: {err.value}"], what
        # repeated in the main area, above Train, with what Train trains instead
        (main,) = [plain(e.value).replace("**", "") for e in at.main.error]
        assert f"bad.csv: {err.value}" in main, what
        assert "Train trains on the generated data instead: Two moons, 100 samples" in main
        assert not any("features" in plain(i.value) for i in at.info), what
        assert at.button(key="train").disabled is False
    run = train(at)  # still trains, on the generated data
    assert run.data_key == "generated" and run.result.data.n_features == 2
    assert run.config == DEFAULT.replace(epochs=20, n_samples=100)


def test_big_csv_counts_toward_the_classroom_limit():
    at = fresh({"hidden": "64,64", "epochs": "1000"})
    assert cost.classroom_problems(DEFAULT.replace(hidden=(64, 64))) == []
    raw = _csv(20, 2, rows=10_000)
    at = upload(at, "big.csv", raw)
    assert at.button(key="train").disabled is True
    assert any("classroom limit" in plain(e.value) for e in at.error)


# --------------------------------------------------------------------------- downloads
@pytest.fixture
def media(monkeypatch) -> list[tuple[MediaFileManager, MemoryMediaFileStorage]]:
    """The media file manager and storage of each AppTest run (downloads live there)."""
    managers: list[tuple[MediaFileManager, MemoryMediaFileStorage]] = []

    class Recording(MediaFileManager):
        def __init__(self, storage: MemoryMediaFileStorage) -> None:
            super().__init__(storage)
            managers.append((self, storage))

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return managers


def test_downloads_equal_what_the_page_shows(media):
    at = fresh({"epochs": "25", "n_samples": "100", "repeats": "2", "schemes": "zeros,he_normal"})
    assert not at.get("download_button")  # nothing to download before a run
    run = train(at)
    buttons = {b.proto.id.rsplit("-", 1)[-1]: b.proto for b in at.get("download_button")}
    assert set(buttons) == {"dl_history", "dl_summary", "dl_config"}

    def content(proto) -> tuple[bytes, str, str]:
        """What a click on the button downloads: the data are made on click (deferred)."""
        manager, storage = media[-1]
        url = manager.execute_deferred(proto.deferred_file_id)
        f = storage.get_file(url.rsplit("/", 1)[-1].split(".")[0])
        return f.content, f.mimetype, f.filename

    history, mime, filename = content(buttons["dl_history"])
    assert (mime, filename) == ("text/csv", "initdash-history.csv")
    assert history.decode() == run.result.history().to_csv(index=False)
    got = pd.read_csv(io.BytesIO(history))
    want = run.result.history().reset_index(drop=True)
    assert list(got.columns) == list(want.columns) and len(got) == len(want) > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-6)

    summary, mime, filename = content(buttons["dl_summary"])
    assert (mime, filename) == ("text/csv", "initdash-summary.csv")
    assert summary.decode() == run.result.summary().to_csv(index=False)
    got = pd.read_csv(io.BytesIO(summary))
    assert list(got["scheme"]) == ["zeros", "he_normal"]
    assert list(got.columns) == list(run.result.summary().columns)

    config, mime, filename = content(buttons["dl_config"])
    assert (mime, filename) == ("application/json", "initdash-config.json")
    assert json.loads(config) == run.config.to_dict()
    assert initdash.TrainConfig.from_dict(json.loads(config)) == run.config


def test_the_overview_draws_for_an_uploaded_csv_with_5_features():
    """Loss curves, the divergence of the chosen layer and one weight histogram per scheme,
    for data with 5 features and 3 classes (no decision plane: nothing in it needs one)."""
    at = upload(fresh({"epochs": "20", "hidden": "8,6"}), "five.csv", _csv(5, 3))
    run = train(at)
    assert run.result.data.n_features == 5
    assert at.session_state["view"] == "overview"
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) == 2 + len(run.config.schemes)
    at.segmented_control(key="o_overview_layer").set_value(2).run()
    assert not at.exception
    titles = [json.loads(c.proto.spec).get("title", {}) for c in at.get("vega_lite_chart")]
    assert any("Hidden layer 2" in str(t) for t in titles)


def test_a_semicolon_file_is_named_in_the_main_area_and_the_page_says_what_trains():
    raw = _csv(2, 2).replace(b",", b";")
    at = upload(fresh({"epochs": "20"}), "semi.csv", raw)
    (main,) = [plain(e.value).replace("**", "") for e in at.main.error]
    assert main.startswith("Your file was not used. semi.csv: no 'label' column")
    assert "not ';' or tab" in main
    assert "Two moons, 400 samples" in main
    run = train(at)
    assert run.data_key == "generated"


def _encodings(spec: dict) -> list[dict]:
    """Every channel definition in a spec."""
    return [c for d in walk(spec) for c in d.get("encoding", {}).values() if isinstance(c, dict)]


def test_a_good_file_names_its_classes_in_the_legend_and_the_share_box_leaves_it_out():
    rng = np.random.default_rng(1)
    lines = ["petal_length,petal_width,label"]
    for i in range(80):
        name = ("setosa", "versicolor")[i % 2]
        x = rng.normal(size=2) + 2 * (i % 2)
        lines.append(f"{x[0]:.3f},{x[1]:.3f},{name}")
    at = upload(fresh({"epochs": "20"}), "iris.csv", ("\n".join(lines) + "\n").encode())
    (note,) = [plain(w.value).replace("**", "") for w in at.sidebar.warning]
    assert note.startswith("This link does not include your file iris.csv")
    train(at)
    at = open_view(at, "boundary")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) == len(at.session_state["run"].result.schemes)  # a panel per scheme
    legend = " ".join(h.proto.body for h in at.get("html"))  # the panels' legend, above them
    assert "P(versicolor)" in legend and "P(1)" not in legend and "class 1" not in legend
    for spec in specs:
        text = json.dumps(spec)
        assert '[\\"setosa\\", \\"versicolor\\"]' in text  # tooltips: class names
        assert "P(versicolor)" in text and "P(1)" not in text
    words = " ".join(plain(m.value) for m in at.markdown) + legend
    assert "petal_length across, petal_width up" in words
