"""Tests for initdash.metrics on hand-made arrays (layout: (M models, n neurons, m examples))."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from initdash import ACTIVATIONS
from initdash.metrics import (
    CLONE_RTOL,
    HIST_BINS,
    SATURATION_SLOPE,
    dead_fraction,
    distinct_neurons,
    divergence,
    hist_edges,
    histograms,
    saturated_fraction,
    similarity,
)


def brute_force_divergence(A: np.ndarray) -> np.ndarray:
    """The definition, O(n^2 m): sqrt(mean over pairs i<j of ||a_i - a_j||^2 / m)."""
    M, n, m = A.shape
    out = np.zeros(M)
    for k in range(M):
        pairs = [np.sum((A[k, i] - A[k, j]) ** 2) for i, j in itertools.combinations(range(n), 2)]
        out[k] = math.sqrt(np.mean(pairs) / m)
    return out


# --------------------------------------------------------------------------- divergence


def test_divergence_of_two_neurons_is_their_rms_distance():
    """One pair: the RMS distance sqrt(mean_t (a_t - b_t)^2)."""
    a = np.array([0.0, 1.0, 2.0, -1.0])
    b = np.array([1.0, 1.0, 0.0, 3.0])
    A = np.stack([a, b])[None]
    expected = math.sqrt(np.mean((a - b) ** 2))  # sqrt((1 + 0 + 4 + 16) / 4)
    assert divergence(A)[0] == pytest.approx(expected, rel=1e-14)
    assert expected == pytest.approx(math.sqrt(21 / 4))


def test_divergence_of_three_neurons_by_hand():
    """Neurons 0, 1, 3 (constant over 2 examples): squared distances per example 1, 9, 4; the
    mean over the 3 pairs of ||.||^2 / m is (2 + 18 + 8) / 3 / 2 = 14/3."""
    A = np.array([[[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]]])
    assert divergence(A)[0] == pytest.approx(math.sqrt(14 / 3), rel=1e-14)


def test_identical_neurons_have_exactly_zero_divergence():
    """n clones of an arbitrary (random, not round) output vector: exactly 0.0, not ~1e-9."""
    rng = np.random.default_rng(0)
    row = rng.standard_normal(50) * 123.456
    A = np.broadcast_to(row, (3, 16, 50)).copy()
    assert np.all(divergence(A) == 0.0)


def test_divergence_identity_matches_brute_force():
    """The O(mn) identity n sum ||d_i||^2 - ||sum d_i||^2 equals the pairwise loop."""
    rng = np.random.default_rng(1)
    for shape in [(3, 7, 20), (2, 2, 5), (1, 33, 64)]:
        A = rng.standard_normal(shape) * rng.uniform(0.1, 10)
        np.testing.assert_allclose(divergence(A), brute_force_divergence(A), rtol=1e-10)


def test_divergence_is_per_model():
    """Model 0 is all clones, model 1 is not: the clones stay at 0."""
    rng = np.random.default_rng(2)
    A = rng.standard_normal((2, 4, 10))
    A[0] = A[0, :1]
    d = divergence(A)
    assert d[0] == 0.0 and d[1] == pytest.approx(brute_force_divergence(A[1:])[0], rel=1e-10)


def test_divergence_degenerate_shapes():
    """One neuron (no pairs) or no examples: 0 by convention."""
    assert np.all(divergence(np.ones((2, 1, 5))) == 0.0)
    assert np.all(divergence(np.ones((2, 3, 0))) == 0.0)


# --------------------------------------------------------------------------- distinct neurons


def test_distinct_neurons_counts_clone_groups():
    """3 clones + 2 other neurons -> 3 distinct output vectors."""
    rng = np.random.default_rng(3)
    a, b, c = rng.standard_normal((3, 12))
    A = np.stack([a, b, a, c, a])[None]
    assert distinct_neurons(A)[0] == 3


def test_distinct_neurons_all_clones_and_all_different():
    rng = np.random.default_rng(4)
    row = rng.standard_normal(9)
    clones = np.broadcast_to(row, (1, 6, 9)).copy()
    different = rng.standard_normal((1, 6, 9))
    assert distinct_neurons(clones)[0] == 1
    assert distinct_neurons(different)[0] == 6
    assert distinct_neurons(np.concatenate([clones, different])).tolist() == [1, 6]


def test_distinct_neurons_tolerance():
    """Neurons closer than CLONE_RTOL x the layer's RMS neuron norm count as clones (rounding
    noise); a difference well above it counts."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal(20)
    norm = np.linalg.norm(a)
    e = np.zeros(20)
    e[0] = 1.0
    near = np.stack([a, a + 0.01 * CLONE_RTOL * norm * e])[None]
    far = np.stack([a, a + 100 * CLONE_RTOL * norm * e])[None]
    assert distinct_neurons(near)[0] == 1
    assert distinct_neurons(far)[0] == 2


def test_all_zero_outputs_are_one_neuron():
    assert distinct_neurons(np.zeros((1, 5, 7)))[0] == 1


# --------------------------------------------------------------------------- similarity


def test_similarity_hand_cases():
    """1 - ||a - b|| / (||a|| + ||b||): identical -> 1; opposite (b = -a) -> 1 - 2|a|/2|a| = 0;
    orthogonal with equal norms -> 1 - sqrt(2)/2; the diagonal is 1."""
    a = np.array([3.0, 4.0, 0.0])
    b = np.array([0.0, 0.0, 5.0])
    A = np.stack([a, a, -a, b])[None]
    s = similarity(A)[0]
    assert s.shape == (4, 4)
    np.testing.assert_allclose(np.diag(s), 1.0)
    assert s[0, 1] == pytest.approx(1.0)
    assert s[0, 2] == pytest.approx(0.0, abs=1e-15)
    assert s[0, 3] == pytest.approx(1 - math.sqrt(2) / 2, rel=1e-12)
    np.testing.assert_allclose(s, s.T)


def test_similarity_of_all_zero_outputs_is_one():
    """Two neurons that both output 0 everywhere are identical: similarity 1 (not 0/0)."""
    s = similarity(np.zeros((2, 3, 4)))
    assert np.all(s == 1.0)


def test_similarity_range_and_size_cap():
    rng = np.random.default_rng(6)
    s = similarity(rng.standard_normal((2, 50, 30)), max_neurons=10)
    assert s.shape == (2, 10, 10)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(np.diagonal(s, axis1=1, axis2=2), 1.0)


# --------------------------------------------------------------------------- histograms


def test_hist_edges_are_symmetric_and_cover_the_weights():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((3, 10, 20)) * np.array([0.01, 1.0, 10.0])[:, None, None]
    edges, c = hist_edges(w)
    assert len(edges) == HIST_BINS + 1
    assert np.all(np.diff(edges) > 0)
    np.testing.assert_allclose(edges, -edges[::-1], atol=1e-12 * edges[-1])
    assert edges[-1] == np.abs(w).max() and edges[0] == -np.abs(w).max()
    assert c > 0


def test_histogram_counts_every_finite_weight_once():
    rng = np.random.default_rng(8)
    w = rng.standard_normal((2, 6, 7))
    w[0, 0, 0] = np.nan
    w[1, 2, 3] = np.inf
    w[1, 4, 4] = -np.inf
    edges, _ = hist_edges(w)
    assert np.all(np.isfinite(edges))
    h = histograms(w, edges)
    assert h.shape == (2, HIST_BINS)
    assert h[0].sum() == 6 * 7 - 1
    assert h[1].sum() == 6 * 7 - 2


def test_zero_weights_land_in_the_middle_bin():
    """HIST_BINS is odd and the edges are symmetric, so 0 is inside the middle bin."""
    assert HIST_BINS % 2 == 1
    rng = np.random.default_rng(9)
    w = np.stack([np.zeros((4, 5)), rng.standard_normal((4, 5))])
    edges, _ = hist_edges(w)
    h = histograms(w, edges)
    mid = HIST_BINS // 2
    assert edges[mid] < 0 < edges[mid + 1]
    assert h[0, mid] == 20 and h[0].sum() == 20


def test_all_zero_layer_still_has_edges():
    w = np.zeros((2, 3, 3))
    edges, c = hist_edges(w)
    assert np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0) and c > 0
    assert histograms(w, edges)[:, HIST_BINS // 2].tolist() == [9, 9]


def test_values_outside_the_edges_go_to_the_end_bins():
    edges = np.linspace(-1.0, 1.0, HIST_BINS + 1)
    w = np.array([[-5.0, 5.0, -1.0, 1.0]])
    h = histograms(w, edges)
    assert h[0, 0] == 2 and h[0, -1] == 2 and h.sum() == 4


# --------------------------------------------------------------------------- saturation, dead


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_saturated_fraction_hand_made(name):
    """The share of (unit, example) outputs whose slope f'(z) is below SATURATION_SLOPE:
    tanh' = 1 - tanh^2, sigmoid' = s (1 - s), computed here independently."""
    act = ACTIVATIONS[name]
    Z = np.array([[[0.0, 0.5, 3.0, -3.0, 10.0], [-20.0, 1.0, 2.0, 8.0, -0.1]]])
    A = act(Z)
    if name == "tanh":
        slope = 1 - np.tanh(Z) ** 2
    else:
        s = 1 / (1 + np.exp(-Z))
        slope = s * (1 - s)
    expected = np.mean(slope < SATURATION_SLOPE)
    assert 0 < expected < 1  # the case has both kinds
    assert saturated_fraction(act, A, Z)[0] == pytest.approx(expected)


def test_tanh_saturation_by_hand():
    """tanh'(z) < 0.05 iff |z| > atanh(sqrt(0.95)) ~ 2.18: 3 of these 6 values."""
    act = ACTIVATIONS["tanh"]
    assert SATURATION_SLOPE == 0.05
    Z = np.array([[[0.0, 1.0, 2.0, 2.5, -3.0, 50.0]]])
    assert saturated_fraction(act, act(Z), Z)[0] == pytest.approx(0.5)


def test_relu_never_saturates():
    act = ACTIVATIONS["relu"]
    Z = np.array([[[-100.0, 100.0, 0.0]]])
    assert saturated_fraction(act, act(Z), Z)[0] == 0.0


def test_dead_fraction_hand_made():
    """A unit is dead when z <= 0 for every example: units 0 (negative) and 2 (exactly 0) of
    4 are dead; unit 1 is on for one example, unit 3 for all -> 2/4."""
    Z = np.array(
        [
            [
                [-1.0, -2.0, -0.5],
                [-1.0, 0.3, -2.0],
                [0.0, 0.0, 0.0],
                [1.0, 2.0, 3.0],
            ]
        ]
    )
    for name in ("relu", "leaky_relu"):
        assert dead_fraction(ACTIVATIONS[name], Z)[0] == 0.5
    assert dead_fraction(ACTIVATIONS["tanh"], Z)[0] == 0.0  # tanh units never die
