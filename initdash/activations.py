"""Hidden-layer activations: one registry; each entry has its function, derivative and gain.

The derivative is written in terms of the pre-activation ``z`` and the output ``a = f(z)`` so the
backward pass can use whichever is cheaper (tanh' = 1 - a**2, sigmoid' = a (1 - a),
relu' = [z > 0]).
Every function writes into ``out`` so the trainer can reuse preallocated buffers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 0.5 * (1 + tanh(z / 2)) is the logistic function without overflow in exp.
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _sigmoid_grad(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.subtract(1.0, a, out=out)
    out *= a
    return out


def _tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=out)


def _tanh_grad(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)
    return out


def _relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0, out=out)


def _relu_grad(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # relu'(0) is taken as 0: a neuron sitting exactly at 0 passes no gradient,
    # so a zeros-initialized ReLU net stays put.
    return np.greater(z, 0.0, out=out, casting="unsafe")


def _leaky_relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.multiply(z, LEAKY_SLOPE, out=out)
    return np.maximum(z, out, out=out)


def _leaky_relu_grad(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.greater(z, 0.0, out=out, casting="unsafe")
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE
    return out


def _linear(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.copyto(out, z)
    return out


def _linear_grad(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    out.fill(1.0)
    return out


@dataclass(frozen=True)
class Activation:
    """A hidden-layer nonlinearity.

    ``saturates`` marks the S-shaped functions whose gradient vanishes for large |z|;
    ``dies`` marks the ReLU family, whose units can output 0 for every input (dead units).
    ``gain`` is the recommended std multiplier of torch's ``calculate_gain``; ``peak_slope`` is
    the largest value of the derivative (1 for tanh, 0.25 for sigmoid): saturation is measured
    relative to it.
    """

    name: str
    label: str
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    saturates: bool
    dies: bool
    peak_slope: float = 1.0

    @property
    def gain(self) -> float:
        return calculate_gain(self.name)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.fn(z, np.empty_like(z))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", "tanh", _tanh, _tanh_grad, saturates=True, dies=False),
        Activation("relu", "ReLU", _relu, _relu_grad, saturates=False, dies=True),
        Activation(
            "leaky_relu",
            f"leaky ReLU (slope {LEAKY_SLOPE})",
            _leaky_relu,
            _leaky_relu_grad,
            saturates=False,
            dies=True,
        ),
        Activation("sigmoid", "sigmoid", _sigmoid, _sigmoid_grad, True, False, peak_slope=0.25),
        Activation("linear", "linear (identity)", _linear, _linear_grad, False, False),
    )
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; the error lists the valid names."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}"
        ) from None


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for a nonlinearity, as torch.nn.init.calculate_gain.

    linear/identity/sigmoid -> 1, tanh -> 5/3, relu -> sqrt(2),
    leaky_relu -> sqrt(2 / (1 + negative_slope**2)) (slope defaults to 0.01).
    """
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = LEAKY_SLOPE if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    raise ValueError(
        f"unsupported nonlinearity {nonlinearity!r}; choose one of: "
        "linear, identity, sigmoid, tanh, relu, leaky_relu"
    )
