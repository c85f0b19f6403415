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
    dead_units,
    distinct_neurons,
    divergence,
    hist_edges,
    histograms,
    prediction_gap,
    saturated_fraction,
    similarity,
    stuck_units,
)


def brute_force_divergence(A: np.ndarray) -> np.ndarray:
    """The definition, O(n^2 m): sqrt(mean over pairs i<j of ||a_i - a_j||^2 / m), divided by
    sqrt(2) x the standard deviation of all the layer's outputs."""
    M, n, m = A.shape
    out = np.zeros(M)
    for k in range(M):
        pairs = [np.sum((A[k, i] - A[k, j]) ** 2) for i, j in itertools.combinations(range(n), 2)]
        out[k] = math.sqrt(np.mean(pairs) / m) / (math.sqrt(2) * np.std(A[k]))
    return out


# --------------------------------------------------------------------------- divergence


def test_divergence_of_two_neurons_is_their_rms_distance_over_the_spread():
    """One pair: the RMS distance sqrt(mean_t (a_t - b_t)^2) = sqrt(21/4), over sqrt(2) x the
    std of all 8 outputs (mean 7/8, mean square 17/8: variance 17/8 - 49/64 = 87/64)."""
    a = np.array([0.0, 1.0, 2.0, -1.0])
    b = np.array([1.0, 1.0, 0.0, 3.0])
    A = np.stack([a, b])[None]
    expected = math.sqrt(21 / 4) / (math.sqrt(2) * math.sqrt(87 / 64))
    assert divergence(A)[0] == pytest.approx(expected, rel=1e-14)


def test_divergence_of_three_neurons_by_hand():
    """Neurons 0, 1, 3 (constant over 2 examples): squared distances per example 1, 9, 4; the
    mean over the 3 pairs of ||.||^2 / m is (2 + 18 + 8) / 3 / 2 = 14/3; the outputs' variance
    is (0 + 1 + 9) / 3 - (4/3)^2 = 14/9, so the divergence is sqrt(14/3) / sqrt(28/9)."""
    A = np.array([[[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]]])
    assert divergence(A)[0] == pytest.approx(math.sqrt(14 / 3) / math.sqrt(28 / 9), rel=1e-14)


def test_divergence_is_scale_free():
    """Tiny-but-distinct neurons (x1e-7) are exactly as divergent as the same neurons at size
    1: they never look like clones. Independent neurons read about 1."""
    rng = np.random.default_rng(11)
    A = rng.standard_normal((1, 32, 400))
    assert divergence(A * 1e-7)[0] == pytest.approx(divergence(A)[0], rel=1e-9)
    assert divergence(A + 5.0)[0] == pytest.approx(divergence(A)[0], rel=1e-9)  # offset too
    assert 0.9 < divergence(A)[0] < 1.1


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


def test_rounding_differences_read_exactly_zero():
    """Identical neurons whose outputs differ by 1 unit in the last place (BLAS computing two
    equal rows in different orders) are clones: 0.0, while a 1e-5 relative difference is
    real."""
    rng = np.random.default_rng(14)
    row = rng.standard_normal(64).astype(np.float32)
    A = np.broadcast_to(row, (1, 8, 64)).astype(np.float64).copy()
    A[0, 5] = np.nextafter(row, np.float32(np.inf)).astype(np.float64)
    assert divergence(A)[0] == 0.0
    A[0, 5] = A[0, 0] * (1 + 1e-4)
    assert divergence(A)[0] > 0.0


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


def test_dead_and_stuck_units_are_counted_apart():
    """3 dead ReLUs (all 0) are not one distinct neuron, and 2 units stuck at +1 are not clones
    of each other: distinct counts the live units only (here 2 different ones + a clone)."""
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((2, 10))
    A = np.stack([a, np.zeros(10), b, np.zeros(10), a, np.zeros(10), np.ones(10), np.ones(10)])
    inactive = np.array([[0, 1, 0, 1, 0, 1, 1, 1]], dtype=bool)
    assert distinct_neurons(A[None], inactive)[0] == 2
    assert distinct_neurons(A[None])[0] == 4  # without: a, 0, b, 1


def test_dead_units_by_hand():
    relu = ACTIVATIONS["relu"]
    Z = np.array([[[-1.0, -2.0], [0.0, 0.0], [1.0, -1.0]]])
    assert dead_units(relu, Z).tolist() == [[True, True, False]]
    assert dead_units(ACTIVATIONS["tanh"], Z).tolist() == [[False, False, False]]


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_stuck_units_are_saturated_on_every_example(name):
    act = ACTIVATIONS[name]
    Z = np.array([[[20.0, 30.0, -25.0], [20.0, 0.0, 25.0], [0.1, 0.2, 0.3]]])
    assert stuck_units(act, act(Z), Z).tolist() == [[True, False, False]]
    assert not stuck_units(ACTIVATIONS["relu"], Z, Z).any()


# --------------------------------------------------------------------------- similarity


def test_similarity_hand_cases():
    """1 - ||c_i - c_j|| / (||c_i|| + ||c_j||) on outputs centred by the layer's mean (here
    a, b and every sum of them have mean 0, so nothing is taken out): identical -> 1; opposite
    (-a) -> 0; orthogonal with equal norms -> 1 - sqrt(2)/2; the diagonal is 1."""
    a = np.array([3.0, -3.0, 4.0, -4.0])
    b = np.array([4.0, -4.0, -3.0, 3.0])
    A = np.stack([a, a, -a, b])[None]
    s = similarity(A)[0]
    assert s.shape == (4, 4)
    np.testing.assert_allclose(np.diag(s), 1.0)
    assert s[0, 1] == pytest.approx(1.0)
    assert s[0, 2] == pytest.approx(0.0, abs=1e-15)
    assert s[0, 3] == pytest.approx(1 - math.sqrt(2) / 2, rel=1e-12)
    np.testing.assert_allclose(s, s.T)


def test_similarity_ignores_a_shared_offset():
    """Sigmoid units near 0.5 that differ by 1e-3 are not alike: the offset is taken out."""
    rng = np.random.default_rng(13)
    C = rng.standard_normal((1, 4, 50)) * 1e-3
    np.testing.assert_allclose(similarity(C + 0.5), similarity(C), atol=1e-9)
    assert similarity(C + 0.5)[0, 0, 1] < 0.9


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
    """The share of (unit, example) outputs whose slope f'(z) is below SATURATION_SLOPE times
    the activation's peak slope: tanh' = 1 - tanh^2 (peak 1), sigmoid' = s (1 - s) (peak 1/4),
    computed here independently."""
    act = ACTIVATIONS[name]
    Z = np.array([[[0.0, 0.5, 3.0, -3.0, 10.0], [-20.0, 1.0, 2.0, 8.0, -0.1]]])
    A = act(Z)
    if name == "tanh":
        slope = 1 - np.tanh(Z) ** 2
    else:
        s = 1 / (1 + np.exp(-Z))
        slope = 4 * s * (1 - s)
    expected = np.mean(slope < SATURATION_SLOPE)
    assert 0 < expected < 1  # the case has both kinds
    assert saturated_fraction(act, A, Z)[0] == pytest.approx(expected)


def test_tanh_saturation_by_hand():
    """tanh'(z) < 0.05 iff |z| > atanh(sqrt(0.95)) ~ 2.18: 3 of these 6 values."""
    act = ACTIVATIONS["tanh"]
    assert SATURATION_SLOPE == 0.05
    Z = np.array([[[0.0, 1.0, 2.0, 2.5, -3.0, 50.0]]])
    assert saturated_fraction(act, act(Z), Z)[0] == pytest.approx(0.5)


def test_sigmoid_saturation_is_relative_to_its_peak_slope():
    """sigmoid'(z) < 0.05 x 0.25 iff |z| > ~4.37 (not 2.9, as an absolute 0.05 would say)."""
    act = ACTIVATIONS["sigmoid"]
    assert act.peak_slope == 0.25
    Z = np.array([[[3.0, 4.0, 4.5, -5.0]]])
    assert saturated_fraction(act, act(Z), Z)[0] == pytest.approx(0.5)


def test_prediction_gap():
    """Binary: max |sigmoid(z) - 1/2|; K classes: max (largest softmax - 1/K)."""
    z = np.array([[[1e-8, -2e-8, 0.0]], [[0.0, 2.0, -1.0]]])
    gap = prediction_gap(z)
    assert gap[0] == pytest.approx(0.5e-8, rel=1e-6)
    assert gap[1] == pytest.approx(1 / (1 + math.exp(-2.0)) - 0.5)
    logits = np.zeros((1, 3, 2))
    logits[0, :, 1] = [math.log(2), 0.0, 0.0]
    assert prediction_gap(logits)[0] == pytest.approx(0.5 - 1 / 3)


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
