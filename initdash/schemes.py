"""Weight-initialization schemes: small pure functions and one registry.

Every sampler takes the weight shape ``(fan_out, fan_in)`` (torch's and the lesson's layout:
``W[l]`` has shape ``(n_l, n_{l-1})``), a ``np.random.Generator`` and the scheme's parameter,
and returns a float64 array. Biases start at zero for every scheme unless the config says
otherwise (``TrainConfig.bias_init``: :func:`sample_biases`, the same biases for every scheme).

Random streams: each scheme (and each repeat of it) draws from its own generator, derived from
``(seed, scheme name, repeat)`` by :func:`scheme_rng`, so adding or removing a scheme never
changes another scheme's numbers.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .activations import calculate_gain, get_activation

Shape = tuple[int, int]


def zeros(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """All weights 0. Every neuron of a layer computes the same thing: the symmetry problem."""
    return np.zeros(shape)


def constant(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """All weights equal to ``param``. Neurons are clones that learn together, forever."""
    return np.full(shape, float(param))


def random_normal(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """N(0, 1) * scale: the classic ``np.random.randn(n_l, n_{l-1}) * 0.01``."""
    return rng.standard_normal(shape) * param


def xavier_normal(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """Glorot & Bengio (2010): N(0, 2 / (fan_in + fan_out)): balances the variance of the
    forward and the backward pass for a unit slope (tanh near 0)."""
    fan_out, fan_in = shape
    return rng.standard_normal(shape) * math.sqrt(2.0 / (fan_in + fan_out))


def xavier_uniform(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """Glorot & Bengio (2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out)); same variance."""
    fan_out, fan_in = shape
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)


def he_normal(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """He et al. (2015): N(0, 2 / fan_in). Keeps variance through ReLU, which halves it."""
    fan_in = shape[1]
    return rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)


def he_uniform(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """He et al. (2015): U(-a, a), a = sqrt(6 / fan_in); variance 2 / fan_in."""
    a = math.sqrt(6.0 / shape[1])
    return rng.uniform(-a, a, size=shape)


def lecun_normal(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """LeCun et al. (1998), Efficient BackProp: N(0, 1 / fan_in)."""
    return rng.standard_normal(shape) / math.sqrt(shape[1])


def orthogonal(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """Saxe, McClelland & Ganguli (2013): gain * a (semi-)orthogonal matrix.

    QR of a Gaussian matrix with the signs of R's diagonal folded into Q (uniform over the
    orthogonal group). Rows are orthonormal when fan_out <= fan_in, columns otherwise.
    """
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < cols:
        q = q.T
    return gain * q


def lsuv_start(shape: Shape, rng: np.random.Generator, param: float, gain: float) -> np.ndarray:
    """LSUV's first step: an orthonormal matrix (gain 1); :func:`lsuv_rescale` follows."""
    return orthogonal(shape, rng, param, 1.0)


@dataclass(frozen=True)
class Scheme:
    """A named initialization: sampler, formula (LaTeX) and what it suits.

    ``param`` names the config field holding the scheme's adjustable number (the scale of a
    random scheme, the constant's value; ``param_label`` says which), or is None when the
    scheme has no such number.
    """

    name: str
    label: str
    latex: str
    suits: str
    summary: str
    sampler: Callable[[Shape, np.random.Generator, float, float], np.ndarray]
    param: str | None = None
    param_label: str = ""
    default: float | None = None
    data_dependent: bool = False


# The adjustable numbers' defaults, written once: the registry below holds them (and its
# formulas show them); TrainConfig's settings read them from there (SCHEMES[name].default).
CONSTANT_VALUE = 0.1
SMALL_STD = 0.01
LARGE_STD = 10.0

SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme(
            name="zeros",
            label="Zeros",
            latex=r"W^{[l]} = 0",
            suits="nothing",
            summary="every neuron in a layer is a clone; with tanh or ReLU only the output bias "
            "moves",
            sampler=zeros,
        ),
        Scheme(
            name="constant",
            label="Constant",
            latex=r"W^{[l]} = c",
            suits="nothing",
            summary="clones again: neurons change, but all in the same way",
            sampler=constant,
            param="constant_value",
            param_label="value",
            default=CONSTANT_VALUE,
        ),
        Scheme(
            name="random_small",
            label="Random small",
            latex=rf"W^{{[l]}} \sim \mathcal{{N}}(0,1)\times {SMALL_STD:g}",
            suits="shallow nets",
            summary="breaks symmetry, but the signal shrinks layer by layer in deep nets",
            sampler=random_normal,
            param="small_scale",
            param_label="std",
            default=SMALL_STD,
        ),
        Scheme(
            name="random_large",
            label="Random large",
            latex=rf"W^{{[l]}} \sim \mathcal{{N}}(0,1)\times {LARGE_STD:g}",
            suits="nothing",
            summary="most tanh/sigmoid units start saturated and the loss starts huge; in deep "
            "nets the backprop signal explodes",
            sampler=random_normal,
            param="large_scale",
            param_label="std",
            default=LARGE_STD,
        ),
        Scheme(
            name="xavier_normal",
            label="Xavier normal",
            latex=r"W^{[l]} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_{l-1}+n_l}\right)",
            suits="tanh, sigmoid",
            summary="balances the forward and backward variance for tanh near 0; tanh's slope "
            "below 1 still shrinks the spread slowly in deep nets, where He's larger variance "
            "keeps more of it but makes the backprop signal grow with depth",
            sampler=xavier_normal,
        ),
        Scheme(
            name="xavier_uniform",
            label="Xavier uniform",
            latex=r"W^{[l]} \sim \mathcal{U}\!\left(\pm\sqrt{\frac{6}{n_{l-1}+n_l}}\right)",
            suits="tanh, sigmoid",
            summary="Xavier's variance from a uniform distribution",
            sampler=xavier_uniform,
        ),
        Scheme(
            name="he_normal",
            label="He normal",
            latex=r"W^{[l]} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_{l-1}}\right)",
            suits="ReLU",
            summary="twice LeCun's 1/fan_in (and Xavier's, for equal widths): ReLU zeroes half "
            "of the signal",
            sampler=he_normal,
        ),
        Scheme(
            name="he_uniform",
            label="He uniform",
            latex=r"W^{[l]} \sim \mathcal{U}\!\left(\pm\sqrt{\frac{6}{n_{l-1}}}\right)",
            suits="ReLU",
            summary="He's variance from a uniform distribution",
            sampler=he_uniform,
        ),
        Scheme(
            name="lecun_normal",
            label="LeCun normal",
            latex=r"W^{[l]} \sim \mathcal{N}\!\left(0,\ \frac{1}{n_{l-1}}\right)",
            suits="SELU, tanh",
            summary="1/fan_in: half of He's variance; Xavier's when fan-in equals fan-out",
            sampler=lecun_normal,
        ),
        Scheme(
            name="orthogonal",
            label="Orthogonal",
            latex=r"W^{[l]} = g\,Q,\quad Q^\top Q = I\ \text{(Saxe et al. 2013)}",
            suits="any (with gain g)",
            summary="a linear layer as wide as its input or wider keeps every input's norm "
            "exactly (times g, the activation's gain); a narrowing layer keeps it only for "
            "inputs in a subspace",
            sampler=orthogonal,
        ),
        Scheme(
            name="lsuv",
            label="LSUV",
            latex=r"W^{[l]} = \frac{Q}{\sqrt{\operatorname{Var}(W^{[l]} a^{[l-1]})}}"
            r"\ \text{(Mishkin \& Matas 2015)}",
            suits="any",
            summary="orthonormal, then each layer rescaled on a data batch to unit output variance",
            sampler=lsuv_start,
            data_dependent=True,
        ),
    )
}


def stream(seed: int, purpose: str, *more: int) -> np.random.Generator:
    """A random stream of its own for every purpose (a scheme's weights, the batch order, the
    probe set, ...): it depends on (seed, purpose, more) and nothing else, so adding a scheme
    or a measurement never changes another's numbers."""
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), zlib.crc32(purpose.encode()), *map(int, more)])
    )


def scheme_rng(seed: int, name: str, repeat: int = 0) -> np.random.Generator:
    """The scheme's own stream of initial weights: (seed, scheme name, repeat)."""
    return stream(seed, name, repeat)


LSUV_TOL = 0.1
LSUV_MAX_ITER = 10


def lsuv_rescale(weights: list[np.ndarray], X: np.ndarray, activation: str) -> list[np.ndarray]:
    """Mishkin & Matas (2015), LSUV: rescale each layer, first to last, on the batch ``X``
    until the variance of its pre-activation ``X W^T`` is 1 (within ``LSUV_TOL``, at most
    ``LSUV_MAX_ITER`` rounds). Biases are zero, so they play no part."""
    act = get_activation(activation)
    out = []
    a = np.asarray(X, dtype=np.float64)
    n_layers = len(weights)
    for i, w in enumerate(weights):
        w = w.copy()
        for _ in range(LSUV_MAX_ITER):
            var = float(np.var(a @ w.T))
            if not np.isfinite(var) or var <= 1e-300 or abs(var - 1.0) < LSUV_TOL:
                break
            w /= math.sqrt(var)
        out.append(w)
        if i < n_layers - 1:
            a = act(a @ w.T)
    return out


def sample_weights(
    layer_dims: Sequence[int],
    scheme: str,
    rng: np.random.Generator,
    *,
    activation: str = "relu",
    scale: float | None = None,
    X: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Weight matrices ``[(n1, n0), (n2, n1), ...]`` for one network, drawn from ``rng``."""
    s = SCHEMES.get(scheme) if isinstance(scheme, str) else None
    if s is None:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}")
    gain = calculate_gain(activation)
    param = s.default if scale is None else float(scale)
    ws = [
        s.sampler((int(n_out), int(n_in)), rng, param, gain)
        for n_in, n_out in zip(layer_dims[:-1], layer_dims[1:], strict=True)
    ]
    if s.data_dependent:
        if X is None:
            raise ValueError(f"scheme {scheme!r} is data-dependent: pass a data batch X")
        ws = lsuv_rescale(ws, X, activation)
    return ws


# How the biases start (TrainConfig.bias_init): name -> what it does.
BIAS_INITS = {
    "zeros": "every bias 0 (the usual start)",
    "random": "every bias N(0, bias_std), hidden and output layers",
    "prior": "the output bias at the classes' log prior, log(p1 / p0) for two classes (Karpathy: "
    "the loss then starts at the prior's entropy); the hidden biases 0",
}


def class_prior_bias(y: np.ndarray, n_out: int) -> np.ndarray:
    """The output bias whose prediction is the class prior of the labels ``y``: for a
    one-logit head log(p1 / p0), the log odds; for softmax log(p_k), up to a constant the
    softmax ignores. A class with no labels gets the log of half a label's share."""
    y = np.asarray(y)
    K = 2 if n_out == 1 else n_out
    counts = np.bincount(y, minlength=K).astype(np.float64)[:K]
    p = np.maximum(counts, 0.5) / max(counts.sum(), 1.0)
    return np.array([math.log(p[1] / p[0])]) if n_out == 1 else np.log(p)


def sample_biases(
    layer_dims: Sequence[int],
    how: str,
    *,
    rng: np.random.Generator | None = None,
    std: float = 1.0,
    y: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Bias vectors ``[(n1,), (n2,), ...]`` of one net, by ``how`` (a name in BIAS_INITS):
    zeros; random, N(0, std) layer by layer from ``rng``; prior, the output layer's
    :func:`class_prior_bias` of the labels ``y`` and zeros elsewhere."""
    if how not in BIAS_INITS:
        raise ValueError(f"unknown bias init {how!r}; choose one of: {', '.join(BIAS_INITS)}")
    widths = [int(n) for n in layer_dims[1:]]
    if how == "random":
        if rng is None:
            raise ValueError("random biases need a random stream (rng)")
        return [rng.standard_normal(n) * float(std) for n in widths]
    out = [np.zeros(n) for n in widths]
    if how == "prior":
        if y is None:
            raise ValueError("the prior bias needs the training labels y")
        out[-1] = class_prior_bias(y, widths[-1])
    return out


def init_params(
    layer_dims: Sequence[int],
    scheme: str,
    *,
    activation: str = "relu",
    seed: int = 0,
    scale: float | None = None,
    X: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Parameters ``{"W1": (n1, n0), "b1": (n1,), ..., "WL", "bL"}`` of one network.

    ``layer_dims`` lists every layer's width, input first and output last. ``scale`` sets the
    scheme's own number (see ``SCHEMES[name].param``); ``X`` is needed only by ``lsuv``.
    The same (seed, scheme) always gives the same numbers, whatever else is being trained.
    """
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims needs at least 2 positive widths, got {list(layer_dims)}")
    get_activation(activation)
    ws = sample_weights(
        dims, scheme, scheme_rng(seed, scheme), activation=activation, scale=scale, X=X
    )
    params: dict[str, np.ndarray] = {}
    for i, w in enumerate(ws, start=1):
        params[f"W{i}"] = w
        params[f"b{i}"] = np.zeros(w.shape[0])
    return params
