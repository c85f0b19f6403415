"""The charts' colours: every pair of scheme colours told apart (also with a colour-vision
deficiency), every scheme colour visible on white, every text colour readable (WCAG AA).

The colour maths (WCAG contrast, CIEDE2000, Machado et al.'s simulation of deuteranopia and
protanopia) is bench/colors.py's, which prints the whole table; checked here against
published values first.
"""

from __future__ import annotations

import pytest

from bench import colors as C
from dashboard.views import curves_charts, kit
from initdash import SCHEMES, TrainConfig


def test_the_colour_maths_gives_published_values():
    assert C.contrast("#000000") == pytest.approx(21.0)
    assert C.contrast("#767676") == pytest.approx(4.54, abs=0.01)  # WCAG's 4.5:1 grey
    assert C.contrast("#808495") == pytest.approx(3.7, abs=0.05)  # issue 21's axis labels
    # Sharma, Wu & Dalal (2005), the CIEDE2000 test data: pairs 1, 7 and 17
    assert C.delta_e((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert C.delta_e((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert C.delta_e((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)
    # a deuteranope sees red and green alike, a blue apart from both
    red, green, blue = "#D55E00", "#009E73", "#0072B2"
    assert C.delta_e(C.seen(red, "deutan"), C.seen(green, "deutan")) < 25
    assert C.delta_e(C.seen(red), C.seen(green)) > 50
    assert C.delta_e(C.seen(blue, "deutan"), C.seen(green, "deutan")) > 30


def test_every_scheme_has_its_own_colour_and_every_pair_is_told_apart():
    assert set(kit.SCHEME_COLORS) == set(SCHEMES)
    assert len(set(kit.SCHEME_COLORS.values())) == len(SCHEMES)
    for a, b, d in C.pairs(kit.SCHEME_COLORS):
        assert d["normal"] >= 18, (a, b, d)  # different at a glance
        assert d["deutan"] >= 9 and d["protan"] >= 9, (a, b, d)  # for 1 in 12 men too
    # issue 21: Random small and He were two blues, 2.25:1 and CIEDE2000 22 apart
    lesson = C.pairs({s: kit.SCHEME_COLORS[s] for s in TrainConfig().schemes})
    assert min(d["normal"] for *_, d in lesson) >= 20


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_scheme_colour_shows_on_white(scheme):
    """A line or swatch of at least 3:1 (WCAG's non-text contrast); text is never drawn in a
    scheme's colour but dark beside it."""
    assert C.contrast(kit.SCHEME_COLORS[scheme]) >= 3.0


def test_every_text_colour_of_the_charts_reads_on_white():
    assert all(C.contrast(c) >= 4.5 for c in kit.TEXT_COLORS.values()), kit.TEXT_COLORS
    config = kit.STYLE.to_dict()
    texts = [
        config["axis"]["labelColor"], config["axis"]["titleColor"],
        config["legend"]["labelColor"], config["legend"]["titleColor"],
        config["header"]["labelColor"], config["title"]["color"],
        config["title"]["subtitleColor"], config["text"]["color"],
    ]  # fmt: skip
    assert set(texts) <= set(kit.TEXT_COLORS.values())
    table, facts = curves_charts.loss_curves_table(_curves())
    spec = curves_charts.loss_chart(table, **facts).to_dict()
    assert spec["config"]["axis"]["labelColor"] == kit.TEXT_COLORS["label"]


def _curves():
    import pandas as pd

    rows = [
        dict(epoch=e, scheme=s, repeat=0, split=split, loss=1.0 / (e + 1), loss_lo=1.0 / (e + 1),
             loss_hi=1.0 / (e + 1), accuracy=0.5, accuracy_lo=0.5, accuracy_hi=0.5)
        for e in range(3) for s in ("zeros", "he_normal") for split in ("train", "test")
    ]  # fmt: skip
    return pd.DataFrame(rows)
