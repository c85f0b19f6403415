"""The edge of chaos (initdash.chaos): the mean-field maps' quadratures against Monte Carlo, the
fixed point and chi_1 against hand-worked cases, the chi_1 = 1 line, and the theory against
the measured correlations of wide random nets; the pictures' shapes and measures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from initdash import chaos
from initdash.blas import limit_blas_threads

limit_blas_threads(1)


def monte_carlo(f, q: float, n: int = 2_000_000, seed: int = 0) -> tuple[float, float]:
    """E[f(sqrt(q) z)] by sampling, and its standard error."""
    z = np.random.default_rng(seed).standard_normal(n)
    v = f(math.sqrt(q) * z)
    return float(v.mean()), float(v.std() / math.sqrt(n))


@pytest.mark.parametrize("q", [0.01, 0.3, 1.0, 4.0])
def test_quadrature_equals_monte_carlo(q):
    """The Gauss-Hermite expectations behind the length map and chi_1, against 2 million
    samples (within 4 standard errors)."""
    for f in (lambda u: np.tanh(u) ** 2, lambda u: (1 - np.tanh(u) ** 2) ** 2):
        mc, se = monte_carlo(f, q)
        assert abs(float(chaos._expect(f, q)) - mc) < 4 * se


def test_fixed_point_satisfies_the_length_map():
    sw2, sb2 = np.meshgrid([0.8, 1.5, 2.5, 4.0], [0.01, 0.1, 0.3])
    q = chaos.q_star(sw2, sb2)
    np.testing.assert_allclose(chaos.length_map(q, sw2, sb2), q, rtol=1e-10)
    # iterating the map from q = 1 lands on it too (it is the stable one)
    p = np.ones_like(sw2)
    for _ in range(2000):
        p = chaos.length_map(p, sw2, sb2)
    np.testing.assert_allclose(p, q, rtol=1e-6)


def test_without_biases_the_edge_is_sigma_w2_one():
    """sigma_b = 0: for sigma_w^2 <= 1 the signal dies (q* = 0) and chi_1 = sigma_w^2
    tanh'(0)^2 = sigma_w^2; beyond 1, q* > 0. So LeCun's and Xavier's sigma_w^2 = 1 (no
    biases) sits exactly on the edge of chaos."""
    for sw2 in (0.5, 0.9, 1.0):
        assert chaos.q_star(sw2, 0.0) == 0.0
        assert chaos.chi_1(sw2, 0.0) == pytest.approx(sw2)
    assert chaos.q_star(1.2, 0.0) > 0 and chaos.chi_1(1.2, 0.0) > 1
    assert chaos.critical_sigma_w2(0.0) == pytest.approx(1.0, abs=1e-9)


def test_the_critical_line_rises_with_the_bias():
    sb2 = np.array([0.01, 0.05, 0.1, 0.2, 0.3])
    crit = chaos.critical_sigma_w2(sb2)
    np.testing.assert_allclose(chaos.chi_1(crit, sb2), 1.0, atol=1e-9)
    assert (np.diff(crit) > 0).all() and crit[0] > 1.0
    assert (chaos.chi_1(crit * 0.9, sb2) < 1).all() and (chaos.chi_1(crit * 1.1, sb2) > 1).all()


def test_wide_nets_follow_the_mean_field_correlation():
    """At width 1024 (8 pairs), the measured correlation after 10 layers is the mean-field
    map's within 0.03, in the ordered and the chaotic phase."""
    df = chaos.phase_diagram(depth=10, width=1024, pairs=8, seed=1,
                             sigma_w2=(1.0, 2.0, 4.0), sigma_b2=(0.05, 0.2))  # fmt: skip
    assert (np.abs(df.c_L - df.c_L_theory) < 0.03).all(), df
    np.testing.assert_allclose(df.c_1, (df.sigma_w2 * 0.99 + df.sigma_b2) /
                               (df.sigma_w2 + df.sigma_b2), atol=0.005)  # fmt: skip


def test_phase_diagram_cells_and_separation():
    df = chaos.phase_diagram(depth=5, width=32, pairs=2, seed=0)
    assert len(df) == len(chaos.SIGMA_W2) * len(chaos.SIGMA_B2)
    assert set(df.columns) >= {"sigma_w2", "sigma_b2", "chi_1", "q_star", "c_1", "c_L",
                               "c_L_theory", "separation"}  # fmt: skip
    with np.errstate(divide="ignore"):
        expected = np.log10((1 - df.c_L) / (1 - df.c_1))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(df.separation[finite], expected[finite].clip(lower=-15))
    assert (df.separation >= -15).all()


def test_every_cell_scales_the_same_draws():
    """A cell's numbers do not depend on which other cells are computed."""
    a = chaos.phase_diagram(depth=4, width=16, sigma_w2=(2.0,), sigma_b2=(0.1,))
    b = chaos.phase_diagram(depth=4, width=16, sigma_w2=(1.0, 2.0), sigma_b2=(0.0, 0.1))
    row = b[(b.sigma_w2 == 2.0) & (b.sigma_b2 == 0.1)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, row, check_exact=False, rtol=1e-12)


def test_pictures_cover_the_square_and_their_measures():
    p = chaos.output_pictures(((1.0, 0.05), (4.0, 0.05)), depth=3, width=8, grid=10, units=2)
    assert len(p) == 2 * 2 * 100 and p.value.between(-1, 1).all()
    assert p.x.min() == -1 and p.x.max() == 1
    stats = chaos.picture_stats(p)
    assert len(stats) == 4
    flat = p.assign(value=0.3)
    assert (chaos.picture_stats(flat)[["range", "roughness"]] == 0).all().all()
    # a checkerboard is as rough as it gets: neighbours differ by 2 std
    board = p.assign(value=np.where(((p.x * 4.5 + 4.5).round() + (p.y * 4.5 + 4.5).round()) % 2,
                                    1.0, -1.0))  # fmt: skip
    assert chaos.picture_stats(board).roughness.min() == pytest.approx(2.0)


BAD = [({"depth": 0}, "depth"), ({"width": 1}, "width"), ({"pairs": 0}, "pairs"),
       ({"c0": 1.0}, "c0")]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "word"), BAD)
def test_bad_arguments_are_refused_by_name(kwargs, word):
    with pytest.raises(ValueError, match=word):
        chaos.phase_diagram(**kwargs)
