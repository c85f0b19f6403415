"""The multilayer perceptron: forward and backward for a *stack* of networks at once.

All networks share the architecture and the input batch; their parameters are stacked on a
leading model axis, so one ``np.matmul`` per layer serves every scheme. Inside, examples run
along the last axis (the lesson's column layout, ``Z = W A + b``), and each layer's bias is
stored as an extra column of its weight matrix that meets a constant row of ones under the
previous layer's activations:

    P[l] = [W[l] | b[l]]: (M, n_l, n_{l-1} + 1)     A[l-1] with a row of ones: (M, n_{l-1} + 1, m)
    Z[l] = P[l] @ A[l-1]: (M, n_l, m)

so a layer costs one matmul forward and one for both of its gradients. ``Ws`` and ``bs`` are
views into ``P``. Intermediate arrays live in a :class:`Workspace` allocated once per batch size
and reused every step (fresh temporaries of this size cost more in page faults than the maths).

Output: one sigmoid unit with binary cross-entropy for 2 classes, softmax with cross-entropy for
more, both computed from the logits, so huge logits give a large finite loss, not inf or NaN.

BatchNorm (``batchnorm=True``; Ioffe & Szegedy 2015): every hidden pre-activation ``u = W a + b``
is normalized per unit over the batch, ``x = (u - mean) / sqrt(var + BN_EPS)``, then
``z = gamma x + beta`` (learned, starting at 1 and 0), ``a = g(z)``; the output layer is not
normalized. The bias ``b`` is redundant (normalizing subtracts it again), so its gradient is set
to exactly 0 (even a rounding-level gradient would move it under Adam); ``beta`` does its job.
Training passes (:meth:`full_pass`) normalize with the batch's statistics; evaluation
(:meth:`forward`, :meth:`predict_proba`) with running averages that :meth:`track` updates,
PyTorch's way (``momentum=0.1``, the unbiased batch variance). ``Workspace.Z`` holds ``z``
(saturation and dead units are measured there), ``XH`` the normalized ``x`` (in evaluation:
``u``) and ``dZ`` the gradient with respect to ``u``, the one the weights learn from.

Residual (``residual=True``; He et al. 2016, with one-layer branches: Yang & Schoenholz 2017's
"reduced" residual net): every hidden layer after the first whose width equals its input's adds
its input to its output, ``h_l = h_{l-1} + g(z_l)``, ``z_l = W_l h_{l-1} + b_l`` (with
BatchNorm, ``z_l`` is the normalized one), so the net is a residual stream that each layer's
branch writes into. ``Workspace.A`` then holds the stream ``h_l`` (what the next layer reads)
and ``Workspace.F`` the branch's ``g(z_l)``; the backward pass sends dL/dh_l both through the
branch and straight down the skip, dL/dh_{l-1} = W_l^T dL/dz_l + dL/dh_l.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np

from .activations import get_activation

BN_EPS = 1e-5  # added to the batch variance before its square root (PyTorch's default)
BN_MOMENTUM = 0.9  # share of the running statistics kept at each training step


def _stacked_stats(widths: Sequence[int], n_models: int, dtype: np.dtype):
    """(M, sum of widths, 2) [mean | variance] and its per-layer (M, n, 1) views of each."""
    stats = np.empty((n_models, sum(widths), 2), dtype)
    ends = np.cumsum([0, *widths])
    means = [stats[:, a:b, 0:1] for a, b in zip(ends[:-1], ends[1:], strict=True)]
    variances = [stats[:, a:b, 1:2] for a, b in zip(ends[:-1], ends[1:], strict=True)]
    return stats, means, variances


def residual_skips(dims: Sequence[int], residual: bool) -> list[bool]:
    """Per hidden layer of a net of widths ``dims`` (input first, output last): does it add its
    input to its output? With ``residual``, every hidden layer after the first whose width
    equals its input's does (the module's docstring); without, none."""
    return [bool(residual) and i > 0 and dims[i] == dims[i + 1] for i in range(len(dims) - 2)]


def output_units(n_classes: int) -> int:
    """Width of the output layer: 1 logit for 2 classes, one per class otherwise."""
    return 1 if n_classes == 2 else int(n_classes)


def with_ones(X: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Batch-first data (m, n) -> column layout with a row of ones (n + 1, m)."""
    out = np.ones((X.shape[1] + 1, X.shape[0]), dtype)
    out[:-1] = X.T
    return out


class Workspace:
    """Preallocated forward/backward buffers for one batch of m examples.

    The backward buffers (``dZ``, ``dA``) are made on first use, so a batch that is only
    evaluated (the test set, a prediction grid) costs half the memory.
    """

    def __init__(
        self,
        dims: Sequence[int],
        n_models: int,
        m: int,
        dtype: np.dtype,
        batchnorm: bool = False,
        skips: Sequence[bool] = (),
    ):
        self.m = m
        self.dims, self.n_models, self.dtype = list(dims), n_models, dtype
        self.skips = list(skips) or [False] * (len(dims) - 2)
        self.Z = self._buffers(dims[1:])
        # per hidden layer: x (or u), the batch's mean and variance, 1/sqrt(var + eps) (after
        # the backward pass: gamma/sqrt(var + eps))
        if batchnorm:
            self.XH = self._buffers(dims[1:-1])
            # every layer's batch mean and variance in one array, so track() is 3 calls
            self.stats, self.mean, self.var = _stacked_stats(dims[1:-1], n_models, dtype)
            self.inv_std = [np.empty((n_models, n, 1), dtype) for n in dims[1:-1]]
        # hidden activations carry the row of ones that multiplies the next layer's bias
        self.A1 = [np.ones((n_models, n + 1, m), dtype) for n in dims[1:-1]]
        self.A = [a[:, :-1] for a in self.A1]
        # residual layers: the branch's output g(z), which the stream adds (None: no skip)
        self.F = [
            np.empty((n_models, n, m), dtype) if skip else None
            for n, skip in zip(dims[1:-1], self.skips, strict=True)
        ]
        k = dims[-1]
        self.t = np.empty((n_models, k, m), dtype)
        self.u = np.empty((n_models, k, m), dtype)
        self.hit = np.empty((n_models, m), bool)
        self.loss = np.empty(n_models, dtype)
        self.correct = np.empty(n_models, np.int64)

    def _buffers(self, widths: Sequence[int]) -> list[np.ndarray]:
        return [np.empty((self.n_models, n, self.m), self.dtype) for n in widths]

    @cached_property
    def dZ(self) -> list[np.ndarray]:
        return self._buffers(self.dims[1:])

    @cached_property
    def dA(self) -> list[np.ndarray]:
        return self._buffers(self.dims[1:-1])

    @cached_property
    def scratch(self) -> list[np.ndarray | None]:
        """BatchNorm's backward scratch for residual layers, whose ``dA`` (dL/dh) the layer
        below still needs; the others use their ``dA``."""
        return [None if f is None else np.empty_like(f) for f in self.F]

    def branch(self, i: int) -> np.ndarray:
        """Hidden layer i's activation g(z): its output, or in a residual layer its branch's."""
        return self.A[i] if self.F[i] is None else self.F[i]


class StackedMLP:
    """M networks of the same shape, trained side by side.

    ``P[l]`` holds layer l's weights and bias ``[W | b]``; ``Ws[l]``/``bs[l]`` are views of it.
    ``dP`` (with views ``dWs``/``dbs``) receives the gradients of the mean cross-entropy.
    """

    def __init__(
        self,
        Ws: Sequence[np.ndarray],
        bs: Sequence[np.ndarray],
        activation: str,
        n_classes: int,
        dtype: np.dtype | type | str = np.float64,
        batchnorm: bool = False,
        residual: bool = False,
    ):
        self.dtype = np.dtype(dtype)
        self.P = [
            np.ascontiguousarray(np.concatenate([w, b[:, :, None]], axis=2), dtype=self.dtype)
            for w, b in zip(Ws, bs, strict=True)
        ]
        self.Ws = [p[:, :, :-1] for p in self.P]
        self.bs = [p[:, :, -1] for p in self.P]
        self.dP = [np.zeros_like(p) for p in self.P]
        self.dWs = [g[:, :, :-1] for g in self.dP]
        self.dbs = [g[:, :, -1] for g in self.dP]
        self.act = get_activation(activation)
        self.n_classes = int(n_classes)
        self.n_models = self.P[0].shape[0]
        self.dims = [self.P[0].shape[2] - 1] + [p.shape[1] for p in self.P]
        if self.dims[-1] != output_units(n_classes):
            raise ValueError(
                f"output layer has {self.dims[-1]} units; {n_classes} classes need "
                f"{output_units(n_classes)}"
            )
        self.batchnorm = bool(batchnorm)
        self.residual = bool(residual)
        self.skips = residual_skips(self.dims, self.residual)  # per hidden layer
        hidden = self.dims[1:-1] if self.batchnorm else []
        M = self.n_models
        self.BN = [np.stack([np.ones((M, n)), np.zeros((M, n))], axis=2) for n in hidden]
        self.BN = [np.ascontiguousarray(g, dtype=self.dtype) for g in self.BN]
        self.gammas = [g[:, :, :1] for g in self.BN]
        self.betas = [g[:, :, 1:] for g in self.BN]
        self.dBN = [np.zeros_like(g) for g in self.BN]
        self.running, self.running_mean, self.running_var = _stacked_stats(hidden, M, self.dtype)
        self.running[:, :, 0], self.running[:, :, 1] = 0.0, 1.0  # frameworks' start
        self.params = [*self.P, *self.BN]  # what an optimizer updates, with ...
        self.grads = [*self.dP, *self.dBN]  # ... the gradients a full pass leaves here
        self._spaces: dict[int, Workspace] = {}
        # Subnormal numbers make matmul ~100x slower. When a run's signal has shrunk toward
        # them (see needs_flush), values below `flush` are set to 0 after every layer.
        self.flush = 0.0
        tiny = np.finfo(self.dtype).tiny
        self._flush_at, self._trigger = tiny * 2.0**24, tiny * 2.0**64

    def needs_flush(self, ws: Workspace) -> bool:
        """True if some model's layer (forward or backward) has shrunk near subnormal range."""
        if self.flush:
            return False
        for arr in (*ws.A, *ws.dZ):  # max |arr| per model, without a temporary |arr|
            peak = np.maximum(np.max(arr, axis=(1, 2)), -np.min(arr, axis=(1, 2)))
            if np.any((peak > 0) & (peak < self._trigger)):
                self.flush = self._flush_at
                return True
        return False

    def _flush(self, a: np.ndarray) -> None:
        a[np.abs(a) < self.flush] = 0.0

    def workspace(self, m: int, keep: bool = True) -> Workspace:
        """Buffers for a batch of m examples: kept for reuse, or (``keep=False``, for a
        one-off batch such as a probe or a grid) made for this call only."""
        ws = self._spaces.get(m)
        if ws is None:
            ws = Workspace(self.dims, self.n_models, m, self.dtype, self.batchnorm, self.skips)
            if keep:
                if len(self._spaces) >= 4:  # a handful of batch sizes at most
                    self._spaces.clear()
                self._spaces[m] = ws
        return ws

    # ---------------------------------------------------------------- forward
    def forward(self, X1: np.ndarray, keep: bool = True, batch_stats: bool = False) -> Workspace:
        """All layers for the batch ``X1`` = :func:`with_ones` (data): fills ``Z`` and ``A``.

        With BatchNorm, ``batch_stats`` normalizes with the batch's own statistics (a training
        step), else with the running ones (evaluation)."""
        ws = self.workspace(X1.shape[1], keep)
        a = X1
        last = len(self.P) - 1
        for i, p in enumerate(self.P):
            z = ws.Z[i]
            u = ws.XH[i] if self.batchnorm and i < last else z
            np.matmul(p, a, out=u)
            if self.flush:
                self._flush(u)
            if i < last:
                if self.batchnorm:
                    self._normalize(ws, i, batch_stats)
                if self.skips[i]:  # the stream: h_i = h_{i-1} + g(z_i)
                    np.add(self.act.fn(z, ws.F[i]), ws.A[i - 1], out=ws.A[i])
                else:
                    self.act.fn(z, ws.A[i])
                a = ws.A1[i]
        return ws

    def _normalize(self, ws: Workspace, i: int, batch_stats: bool) -> None:
        """BatchNorm of hidden layer i: ``XH[i]`` (u) -> ``Z[i]`` (z); with ``batch_stats``
        ``XH[i]`` becomes x and the batch's statistics are kept for backward and track."""
        u, z = ws.XH[i], ws.Z[i]
        if not batch_stats:
            scale, shift = self.bn_scale_shift(i)
            np.multiply(u, scale, out=z)
            z += shift
            return
        mean, var, inv = ws.mean[i], ws.var[i], ws.inv_std[i]
        np.add.reduce(u, axis=2, keepdims=True, out=mean)
        mean *= 1.0 / ws.m
        u -= mean
        np.multiply(u, u, out=z)  # z as scratch
        np.add.reduce(z, axis=2, keepdims=True, out=var)
        var *= 1.0 / ws.m
        np.add(var, BN_EPS, out=inv)
        np.sqrt(inv, out=inv)
        np.divide(1.0, inv, out=inv)
        u *= inv
        np.multiply(u, self.gammas[i], out=z)
        z += self.betas[i]

    def bn_scale_shift(self, i: int, models=slice(None)) -> tuple[np.ndarray, np.ndarray]:
        """Evaluation-time BatchNorm of hidden layer i as ``z = u * scale + shift`` (running
        statistics), for some ``models``: two (M, n, 1) arrays."""
        scale = self.gammas[i][models] / np.sqrt(self.running_var[i][models] + BN_EPS)
        return scale, self.betas[i][models] - self.running_mean[i][models] * scale

    def track(self, ws: Workspace, momentum: float = BN_MOMENTUM) -> None:
        """Fold the batch statistics of the last :meth:`full_pass` on ``ws`` into the running
        ones (``momentum=0``: replace them). Nothing without BatchNorm or for one example."""
        if not self.batchnorm or ws.m < 2:
            return
        share = np.array([1.0 - momentum, (1.0 - momentum) * ws.m / (ws.m - 1)], self.dtype)
        self.running *= momentum
        self.running += ws.stats * share

    def unit_params(self, i: int) -> np.ndarray:
        """Every parameter of each unit of hidden layer i: its row of ``P[i]`` ([W | b]) and,
        with BatchNorm, its gamma and beta: (M, n, fan_in + 1 (+ 2))."""
        return np.concatenate([self.P[i], self.BN[i]], axis=2) if self.batchnorm else self.P[i]

    def _targets(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Label encodings: for 2 classes the sign ``-(2y - 1)`` and ``y == 1``; for more,
        one-hot (K, m) and y. (Caching them per label array saved 1% of a mini-batch run and 4%
        of a full-batch one: not worth the state.)"""
        y = np.asarray(y)
        if self.n_classes == 2:
            return np.where(y > 0, -1.0, 1.0).astype(self.dtype), y > 0
        enc = np.zeros((self.n_classes, len(y)), self.dtype)
        enc[y, np.arange(len(y))] = 1.0
        return enc, y

    def loss(self, ws: Workspace, y: np.ndarray, *, grad: bool) -> np.ndarray:
        """Per-model mean cross-entropy; with ``grad``, dLoss/dlogits goes into ``ws.dZ[-1]``.

        Also counts correct predictions per model into ``ws.correct``.
        """
        enc, y = self._targets(y)
        z = ws.Z[-1]
        m = z.shape[2]
        t, u = ws.t, ws.u
        if self.n_classes == 2:
            # loss = softplus(t) with t = -s z, s = +-1 the sign of the true class
            np.multiply(z, enc, out=t)
            np.abs(t, out=u)
            np.negative(u, out=u)
            np.exp(u, out=u)
            np.log1p(u, out=u)
            np.add.reduce(u, axis=(1, 2), out=ws.loss)
            np.maximum(t, 0.0, out=u)
            ws.loss += np.add.reduce(u, axis=(1, 2))
            ws.loss *= 1.0 / m
            np.greater(z[:, 0], 0.0, out=ws.hit)  # predicted class 1
            np.equal(ws.hit, y, out=ws.hit)
            np.add.reduce(ws.hit, axis=1, out=ws.correct)
            if grad:  # dL/dz = -s sigmoid(t) / m
                g = ws.dZ[-1]
                np.multiply(t, 0.5, out=g)
                np.tanh(g, out=g)
                g += 1.0
                g *= enc
                g *= 0.5 / m
        else:
            zmax = z.max(axis=1, keepdims=True)
            np.subtract(z, zmax, out=t)
            np.exp(t, out=u)
            s = u.sum(axis=1, keepdims=True)
            picked = np.add.reduce(t * enc, axis=1)
            lse = np.log(s[:, 0])
            np.add.reduce(lse - picked, axis=1, out=ws.loss)
            ws.loss *= 1.0 / m
            np.equal(z.argmax(axis=1), y, out=ws.hit)
            np.add.reduce(ws.hit, axis=1, out=ws.correct)
            if grad:  # dL/dz = (softmax - onehot) / m
                g = ws.dZ[-1]
                np.divide(u, s, out=g)
                g -= enc
                g *= 1.0 / m
        return ws.loss

    # ---------------------------------------------------------------- backward
    def backward(self, X1: np.ndarray, ws: Workspace) -> None:
        """Gradients of the mean loss into ``dP`` (call after ``loss(grad=True)``)."""
        last = len(self.P) - 1
        for i in range(last, -1, -1):
            dz = ws.dZ[i]
            a_prev = X1 if i == 0 else ws.A1[i - 1]
            np.matmul(dz, a_prev.swapaxes(-1, -2), out=self.dP[i])
            if self.batchnorm and i < last:
                self.dbs[i][...] = 0.0  # the bias is redundant under BatchNorm: it stays put
            if i > 0:
                da = ws.dA[i - 1]
                w_t = self.Ws[i].swapaxes(1, 2)
                if dz.shape[1] == 1:  # an outer product: see _outer
                    _outer(w_t, dz, da)
                else:
                    np.matmul(w_t, dz, out=da)
                if i < last and self.skips[i]:  # dL/dh_i also flows straight down the skip
                    da += ws.dA[i]
                dzp = ws.dZ[i - 1]
                self.act.grad(ws.Z[i - 1], ws.branch(i - 1), dzp)
                dzp *= da
                if self.batchnorm:
                    self._normalize_backward(ws, i - 1)
                if self.flush:
                    self._flush(dzp)

    def _normalize_backward(self, ws: Workspace, i: int) -> None:
        """BatchNorm's backward in hidden layer i: ``dZ[i]`` from dL/dz to dL/du, and the
        gradients of gamma and beta into ``dBN[i]``. With x the normalized u, over the batch:
        dbeta = sum dL/dz, dgamma = sum dL/dz x, and
        dL/du = gamma / sqrt(var + eps) (dL/dz - dbeta / m - x dgamma / m)."""
        dz, x, small = ws.dZ[i], ws.XH[i], ws.inv_std[i]
        scratch = ws.scratch[i] if self.skips[i] else ws.dA[i]  # a skip's dA is still needed
        dgamma, dbeta = self.dBN[i][:, :, 0:1], self.dBN[i][:, :, 1:2]
        np.add.reduce(dz, axis=2, keepdims=True, out=dbeta)
        np.multiply(dz, x, out=scratch)
        np.add.reduce(scratch, axis=2, keepdims=True, out=dgamma)
        small *= self.gammas[i]  # gamma / sqrt(var + eps): 1/sqrt(var + eps) is not needed again
        dz -= dbeta * (1.0 / ws.m)
        np.multiply(x, dgamma * (1.0 / ws.m), out=scratch)
        dz -= scratch
        dz *= small

    def full_pass(self, X1: np.ndarray, y: np.ndarray, keep: bool = True) -> Workspace:
        """Forward (BatchNorm: with the batch's statistics), loss and backward on one batch;
        the workspace holds everything. The running statistics are not touched: see track."""
        ws = self.forward(X1, keep, batch_stats=True)
        self.loss(ws, y, grad=True)
        self.backward(X1, ws)
        return ws

    # ---------------------------------------------------------------- inference
    def predict_proba(self, X1: np.ndarray) -> np.ndarray:
        """Class probabilities, (M, m, K) (K = 2 for the binary head)."""
        z = self.forward(X1, keep=False).Z[-1].astype(np.float64)
        if self.n_classes == 2:
            p1 = 0.5 * (1.0 + np.tanh(0.5 * z[:, 0]))
            return np.stack([1.0 - p1, p1], axis=2)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).transpose(0, 2, 1)


def _outer(col: np.ndarray, row: np.ndarray, out: np.ndarray) -> None:
    """``np.matmul(col, row, out=out)`` for (M, n, 1) @ (M, 1, m), the same bits, 3x faster:
    BLAS took longer for this outer product (the backward pass through a 1-unit layer, such as
    the binary output) than for a 32 x 32 layer (95 us vs 53 us in issue 19's lesson; this, 27
    us). Each element is one product either way; adding 0.0 turns -0.0 into 0.0 as BLAS does
    (it adds the product to a zeroed output)."""
    np.multiply(col, row, out=out)
    out += 0.0


def _split_params(params: dict[str, np.ndarray]) -> tuple[list, list, list, list]:
    """W1..Wn, b1..bn and, for BatchNorm, gamma1..gamma{n-1} and beta1..beta{n-1} (else [])."""
    n = sum(1 for k in params if k.startswith("W"))
    keys = [f"{p}{i}" for p in "Wb" for i in range(1, n + 1)]
    bn = [f"{p}{i}" for p in ("gamma", "beta") for i in range(1, n)]
    with_bn = any(k.startswith(("gamma", "beta")) for k in params)
    if n == 0 or sorted(params) != sorted(keys + (bn if with_bn else [])):
        raise ValueError(
            f"params must hold W1..Wn and b1..bn (with BatchNorm also gamma1..gamma(n-1) and "
            f"beta1..beta(n-1)); got {sorted(params)}"
        )

    def pick(p: str, last: int) -> list[np.ndarray]:
        return [params[f"{p}{i}"] for i in range(1, last + 1)]

    n_bn = n - 1 if with_bn else 0
    return pick("W", n), pick("b", n), pick("gamma", n_bn), pick("beta", n_bn)


def loss_and_grads(
    params: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    activation: str = "relu",
    residual: bool = False,
) -> tuple[float, dict[str, np.ndarray]]:
    """Mean cross-entropy of one network on (X, y) and its gradients (same keys as params).

    X is (m, n0), y holds int labels. Sigmoid output for a 1-unit output layer (2 classes),
    softmax for K > 1 units (K classes). With ``gamma1``.. and ``beta1``.. (each (n_l,), one per
    hidden layer) in ``params`` the net has BatchNorm after every hidden pre-activation,
    normalized with the batch's statistics (a training step); the hidden biases' gradients are
    then 0 (they are redundant: see the module's docstring). ``residual``: every hidden layer
    after the first whose width equals its input's adds its input (the module's docstring).
    This runs the very code the trainer runs, with a model axis of length 1, in float64.
    """
    Ws, bs, gammas, betas = _split_params(params)
    n_out = Ws[-1].shape[0]
    n_classes = 2 if n_out == 1 else n_out
    net = StackedMLP(
        [np.asarray(w, dtype=np.float64)[None] for w in Ws],
        [np.asarray(b, dtype=np.float64)[None] for b in bs],
        activation,
        n_classes,
        batchnorm=bool(gammas),
        residual=residual,
    )
    for bn, g, b in zip(net.BN, gammas, betas, strict=True):
        bn[0, :, 0], bn[0, :, 1] = g, b
    X1 = with_ones(np.asarray(X, dtype=np.float64), net.dtype)
    y = np.asarray(y)
    with np.errstate(all="ignore"):
        loss = float(net.full_pass(X1, y).loss[0])
    grads: dict[str, np.ndarray] = {}
    for i, (dw, db) in enumerate(zip(net.dWs, net.dbs, strict=True), start=1):
        grads[f"W{i}"] = dw[0].copy()
        grads[f"b{i}"] = db[0].copy()
    for i, g in enumerate(net.dBN, start=1):
        grads[f"gamma{i}"] = g[0, :, 0].copy()
        grads[f"beta{i}"] = g[0, :, 1].copy()
    return loss, grads
