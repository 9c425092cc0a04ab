#!/usr/bin/env python3
"""Speed of minitf against a hand-written NumPy floor, measured in the same run.

Usage: ``python benchmarks/run.py [--quick] [--gpu] [--only NAME ...]``

Each workload is run as minitf, as plain NumPy doing the same arithmetic by hand
(the floor), and as PyTorch / TensorFlow when they are installed. The
implementations are timed in turns (interleaved), several rounds, and the
median of each is reported with its ratio to the NumPy floor. Ratios from one
run are comparable; absolute times depend on the machine and its load.

The GPU rows follow (``--gpu``: only them) when minitf's ``cupy`` backend is usable, else one
line says why they were skipped: minitf on CuPy against CuPy itself doing the same arithmetic
(the floor), synchronising the GPU before every clock reading. They are matmul 4096x4096
float32 in GFLOP/s (against ``cupy.matmul`` and the card's fp32 peak), the MLP SGD step at
batch 128 and 4096 (against the same minitf step on the CPU, and traced), and the eager
``a + b`` overhead.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, __file__.rsplit("/benchmarks/", 1)[0])
import minitf as tf  # noqa: E402

try:
    import torch

    # One thread, as NumPy's BLAS gets with OPENBLAS_NUM_THREADS=1: the same resources for every column, and
    # no idle PyTorch threads spinning on the other core while the next implementation is being timed.
    torch.set_num_threads(1)
except ImportError:
    torch = None


@dataclass
class Workload:
    name: str
    impls: dict  # implementation name -> zero-argument callable doing one unit of work
    target: str  # the goal, as a ratio to the NumPy floor (must / aim)
    notes: list = field(default_factory=list)


def time_per_call(fn, min_time):
    """Seconds per call of ``fn``, averaged over enough calls to last ``min_time``."""
    fn()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / number
        number *= 2 if elapsed == 0 else max(2, int(min_time / elapsed * 1.2))


def measure(workload, rounds, min_time):
    samples = {name: [] for name in workload.impls}
    for _ in range(rounds):
        for name, fn in workload.impls.items():  # interleaved: each round times every implementation once
            samples[name].append(time_per_call(fn, min_time))
    return {name: statistics.median(values) for name, values in samples.items()}


# -- workloads -------------------------------------------------------------------------------------
def add_2x2():
    a, b = np.ones((2, 2), np.float32), np.full((2, 2), 2.0, np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    impls = {"numpy": lambda: a + b, "minitf": lambda: ta + tb}
    if torch:
        pa, pb = torch.from_numpy(a), torch.from_numpy(b)
        impls["torch"] = lambda: pa + pb
    return Workload("eager a + b, 2x2 float32", impls, "no slower than PyTorch / 0.6x its time")


CHAIN = 50


def chain_numpy(x, c_mul, c_add):
    outs = []
    h = x
    for i in range(CHAIN):
        kind = i % 4
        h = h * c_mul if kind == 0 else h + c_add if kind == 1 else np.tanh(h) if kind == 2 else np.exp(h)
        outs.append(h)
    grad = np.ones_like(h)
    for i in reversed(range(CHAIN)):
        kind = i % 4
        if kind == 0:
            grad = grad * c_mul
        elif kind == 2:
            grad = grad * (1 - outs[i] * outs[i])
        elif kind == 3:
            grad = grad * outs[i]
    return h.sum(), grad


def chain_tensors(x, c_mul, c_add, ops):
    h = x
    for i in range(CHAIN):
        kind = i % 4
        h = h * c_mul if kind == 0 else h + c_add if kind == 1 else ops[0](h) if kind == 2 else ops[1](h)
    return h


def elementwise_chain():
    x = np.random.default_rng(0).uniform(-1, 1, 1000).astype(np.float32)
    c_mul, c_add = np.float32(0.5), np.float32(0.1)
    tx, tm, ta = tf.constant(x), tf.constant(c_mul), tf.constant(c_add)

    def minitf_step():
        with tf.GradientTape() as tape:
            tape.watch(tx)
            y = tf.reduce_sum(chain_tensors(tx, tm, ta, (tf.tanh, tf.exp)))
        return tape.gradient(y, tx)

    impls = {"numpy": lambda: chain_numpy(x, c_mul, c_add), "minitf": minitf_step}
    if torch:
        px = torch.from_numpy(x.copy())

        def torch_step():
            xr = px.detach().requires_grad_(True)
            y = chain_tensors(xr, 0.5, 0.1, (torch.tanh, torch.exp)).sum()
            return torch.autograd.grad(y, xr)

        impls["torch"] = torch_step
    # check that minitf computes what the floor computes
    np.testing.assert_allclose(minitf_step().numpy(), chain_numpy(x, c_mul, c_add)[1], rtol=1e-4)
    return Workload("50-op chain forward+backward, 1000 floats", impls, "3.5x / 2.5x")


def traced_chain():
    """The 50-op chain's forward and backward, traced once with minitf.function and replayed."""
    x = np.random.default_rng(0).uniform(-1, 1, 1000).astype(np.float32)
    c_mul, c_add = np.float32(0.5), np.float32(0.1)
    tx, tm, ta = tf.constant(x), tf.constant(c_mul), tf.constant(c_add)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(chain_tensors(x, tm, ta, (tf.tanh, tf.exp)))
        return tape.gradient(y, x)

    np.testing.assert_allclose(step(tx).numpy(), chain_numpy(x, c_mul, c_add)[1], rtol=1e-4)
    return Workload("function: 50-op chain forward+backward", {
        "numpy": lambda: chain_numpy(x, c_mul, c_add), "minitf": lambda: step(tx)}, "less than eager")


def traced_mlp_step():
    """The MLP SGD step traced once with minitf.function and replayed."""
    x, y, weights = mlp_data()
    params = [w.copy() for w in weights]
    tx, ty = tf.constant(x), tf.constant(y, dtype=tf.int32)
    variables = [tf.Variable(w) for w in weights]
    step = tf.function(lambda x, y: mlp_minitf_step(x, y, variables))
    first_np = mlp_numpy_step(x, y, [w.copy() for w in weights])
    fresh = [tf.Variable(w) for w in weights]  # created outside: a function may not create variables on every call
    np.testing.assert_allclose(float(tf.function(lambda x, y: mlp_minitf_step(x, y, fresh))(tx, ty)), first_np,
                               rtol=1e-5)
    return Workload("function: MLP 784-512-10 SGD step", {
        "numpy": lambda: mlp_numpy_step(x, y, params), "minitf": lambda: step(tx, ty)}, "1.1x")


def matmul_1024():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(1024, 1024)).astype(np.float32), rng.normal(size=(1024, 1024)).astype(np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    impls = {"numpy": lambda: a @ b, "minitf": lambda: tf.matmul(ta, tb)}
    if torch:
        pa, pb = torch.from_numpy(a), torch.from_numpy(b)
        impls["torch"] = lambda: pa @ pb
    return Workload("matmul 1024x1024 float32", impls, "~1x")


def mlp_data(batch=128):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    weights = [rng.normal(0, 0.05, (784, 512)).astype(np.float32), np.zeros(512, np.float32),
               rng.normal(0, 0.05, (512, 10)).astype(np.float32), np.zeros(10, np.float32)]
    return x, y, weights


def mlp_numpy_step(x, y, params, lr=0.01, xp=np):
    """The MLP's SGD step by hand, with NumPy (the CPU floor) or with CuPy as ``xp`` (the GPU floor)."""
    w1, b1, w2, b2 = params
    z1 = x @ w1 + b1
    h = xp.maximum(z1, 0)
    logits = h @ w2 + b2
    e = xp.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    rows = xp.arange(n)
    loss = -xp.log(p[rows, y]).mean()
    dlogits = p
    dlogits[rows, y] -= 1
    dlogits /= n
    dw2, db2 = h.T @ dlogits, dlogits.sum(axis=0)
    dz1 = (dlogits @ w2.T) * (z1 > 0)
    dw1, db1 = x.T @ dz1, dz1.sum(axis=0)
    for p_, g in zip(params, (dw1, db1, dw2, db2)):
        p_ -= lr * g
    return loss


def mlp_minitf_step(x, y, variables, lr=0.01):
    w1, b1, w2, b2 = variables
    with tf.GradientTape() as tape:
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        logits = tf.matmul(h, w2) + b2
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    grads = tape.gradient(loss, variables)
    for v, g in zip(variables, grads):
        v.assign_sub(lr * g)
    return loss


def mlp_step():
    x, y, weights = mlp_data()
    params = [w.copy() for w in weights]
    tx, ty = tf.constant(x), tf.constant(y, dtype=tf.int32)
    variables = [tf.Variable(w) for w in weights]
    first_np = mlp_numpy_step(x, y, [w.copy() for w in weights])
    first_tf = float(mlp_minitf_step(tx, ty, [tf.Variable(w) for w in weights]))
    np.testing.assert_allclose(first_tf, first_np, rtol=1e-5)
    impls = {"numpy": lambda: mlp_numpy_step(x, y, params), "minitf": lambda: mlp_minitf_step(tx, ty, variables)}
    if torch:
        px, py = torch.from_numpy(x), torch.from_numpy(y)
        pvars = [torch.from_numpy(w.copy()).requires_grad_(True) for w in weights]

        def torch_step():
            h = torch.relu(px @ pvars[0] + pvars[1])
            loss = torch.nn.functional.cross_entropy(h @ pvars[2] + pvars[3], py)
            grads = torch.autograd.grad(loss, pvars)
            with torch.no_grad():
                for v, g in zip(pvars, grads):
                    v -= 0.01 * g
            return loss

        impls["torch"] = torch_step
    return Workload("MLP 784-512-10 SGD step, batch 128", impls, "1.2x / 1.05x")


def classifier_data():
    rng = np.random.default_rng(0)
    cov = [[1, 0.5], [0.5, 1]]
    neg = rng.multivariate_normal([0, 3], cov, 1000)
    pos = rng.multivariate_normal([3, 0], cov, 1000)
    inputs = np.vstack((neg, pos)).astype(np.float32)
    targets = np.vstack((np.zeros((1000, 1)), np.ones((1000, 1)))).astype(np.float32)
    return inputs, targets


def linear_classifier():
    inputs, targets = classifier_data()
    ti, tt = tf.constant(inputs), tf.constant(targets)
    lr, n = 0.1, len(inputs)

    def numpy_train(with_loss=True):
        """The book's training loop by hand; like its training step, each step computes the loss it returns."""
        w, b = np.zeros((2, 1), np.float32), np.zeros(1, np.float32)
        losses = []
        for _ in range(40):
            err = inputs @ w + b - targets
            if with_loss:
                losses.append((err * err).sum() / n)
            dpred = (2 / n) * err
            w -= lr * (inputs.T @ dpred)
            b -= lr * dpred.sum(axis=0)
        return w, losses

    def minitf_train():
        w, b = tf.Variable(tf.zeros((2, 1))), tf.Variable(tf.zeros((1,)))
        losses = []
        for _ in range(40):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tt - (tf.matmul(ti, w) + b)))
            grad_w, grad_b = tape.gradient(loss, [w, b])
            w.assign_sub(lr * grad_w)
            b.assign_sub(lr * grad_b)
            losses.append(loss)
        return w, losses

    (w_tf, losses_tf), (w_np, losses_np) = minitf_train(), numpy_train()
    np.testing.assert_allclose(w_tf.numpy(), w_np, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose([float(loss) for loss in losses_tf], losses_np, rtol=1e-4)
    impls = {"numpy": numpy_train, "minitf": minitf_train,
             "numpy without the loss": lambda: numpy_train(with_loss=False)}
    if torch:
        pi, pt = torch.from_numpy(inputs), torch.from_numpy(targets)

        def torch_train():
            w, b = torch.zeros((2, 1), requires_grad=True), torch.zeros(1, requires_grad=True)
            losses = []
            for _ in range(40):
                loss = ((pt - (pi @ w + b)) ** 2).mean()
                gw, gb = torch.autograd.grad(loss, [w, b])
                with torch.no_grad():
                    w -= lr * gw
                    b -= lr * gb
                losses.append(loss)
            return w, losses

        impls["torch"] = torch_train
    return Workload("linear classifier, 2000 points, 40 steps", impls, "5x / 3x")


def second_derivative():
    t_np = np.float32(1.5)
    tv = tf.Variable(1.5)

    def numpy_floor():
        position = np.float32(4.9) * t_np * t_np
        speed = np.float32(2 * 4.9) * t_np
        return position, speed, np.float32(2 * 4.9)

    def minitf_d2():
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                position = 4.9 * tv**2
            speed = inner.gradient(position, tv)
        return outer.gradient(speed, tv)

    assert abs(float(minitf_d2()) - 9.8) < 1e-5
    impls = {"numpy": numpy_floor, "minitf": minitf_d2}
    if torch:
        pt = torch.tensor(1.5, requires_grad=True)

        def torch_d2():
            position = 4.9 * pt**2
            (speed,) = torch.autograd.grad(position, pt, create_graph=True)
            return torch.autograd.grad(speed, pt)

        impls["torch"] = torch_d2
    return Workload("nested-tape d2/dt2 of 4.9 t^2", impls, "no slower than PyTorch / half its time")


def digits_data():
    from minitf.keras.datasets import digits

    (x, y), _ = digits.load_data()
    return (x.reshape(len(x), 64) / 16.0).astype(np.float32), y.astype(np.int32)


def digits_numpy_epoch(x, y, params, slots, order, batch_size=128, lr=1e-3, rho=0.9, eps=1e-7):
    """One epoch of the digits MLP by hand: forward, backward, RMSprop, and the loss and accuracy means."""
    losses, hits = [], 0
    for start in range(0, len(x), batch_size):
        idx = order[start:start + batch_size]
        xb, yb, n = x[idx], y[idx], len(idx)
        w1, b1, w2, b2 = params
        z1 = xb @ w1 + b1
        h = np.maximum(z1, 0)
        logits = h @ w2 + b2
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        losses.append(-np.log(p[np.arange(n), yb]).mean() * n)
        hits += int((p.argmax(axis=1) == yb).sum())
        dlogits = p
        dlogits[np.arange(n), yb] -= 1
        dlogits /= n
        dz1 = (dlogits @ w2.T) * (z1 > 0)
        grads = (xb.T @ dz1, dz1.sum(axis=0), h.T @ dlogits, dlogits.sum(axis=0))
        for w, g, v in zip(params, grads, slots):
            v *= rho
            v += (1 - rho) * g * g
            w -= lr * g / np.sqrt(v + eps)
    return sum(losses) / len(x), hits / len(x)


def fit_digits():
    from minitf import keras

    x, y = digits_data()
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-0.1, 0.1, (64, 512)).astype(np.float32), np.zeros(512, np.float32),
               rng.uniform(-0.1, 0.1, (512, 10)).astype(np.float32), np.zeros(10, np.float32)]

    def make_model():
        model = keras.Sequential([keras.layers.Dense(512, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.build((None, 64))
        model.set_weights([w.copy() for w in weights])
        model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    model = make_model()
    params, slots = [w.copy() for w in weights], [np.zeros_like(w) for w in weights]
    order = np.arange(len(x))
    first_np = digits_numpy_epoch(x, y, [w.copy() for w in weights], [np.zeros_like(w) for w in weights], order)
    first_tf = make_model().fit(x, y, epochs=1, batch_size=128, shuffle=False, verbose=0).history
    np.testing.assert_allclose([first_tf["loss"][0], first_tf["accuracy"][0]], first_np, rtol=1e-3)
    impls = {
        "numpy": lambda: digits_numpy_epoch(x, y, params, slots, rng.permutation(len(x))),
        "minitf": lambda: model.fit(x, y, epochs=1, batch_size=128, verbose=0),
    }
    return Workload("keras fit, digits MLP 64-512-10, one epoch", impls, "1.5x")


def import_time():
    def python(code):
        return lambda: subprocess.run([sys.executable, "-c", code], check=True)

    root = __file__.rsplit("/benchmarks/", 1)[0]
    impls = {"python": python("pass"), "numpy": python("import numpy"),
             "minitf": python(f"import sys; sys.path.insert(0, {root!r}); import minitf")}
    return Workload("import (a new interpreter)", impls, "under 0.2 s")


WORKLOADS = {"add": add_2x2, "chain": elementwise_chain, "matmul": matmul_1024, "mlp": mlp_step,
             "classifier": linear_classifier, "d2": second_derivative, "fit": fit_digits,
             "function_chain": traced_chain, "function_mlp": traced_mlp_step, "import": import_time}


# -- GPU rows: minitf on CuPy against CuPy itself ---------------------------------------------------
# fp32 (non-tensor-core) peaks, TFLOP/s, from NVIDIA's datasheets; the first name found in the device's name wins.
FP32_PEAKS = [
    ("H100 PCIe", 51.2, "NVIDIA H100 datasheet, PCIe"),
    ("H100 NVL", 60.0, "NVIDIA H100 datasheet, NVL"),
    ("GH200", 67.0, "NVIDIA GH200 datasheet"),
    ("H200", 67.0, "NVIDIA H200 datasheet, SXM"),
    ("H100", 67.0, "NVIDIA H100 datasheet, SXM"),
    ("A100", 19.5, "NVIDIA A100 datasheet"),
    ("L40S", 91.6, "NVIDIA L40S datasheet"),
    ("L4", 30.3, "NVIDIA L4 datasheet"),
    ("A10", 31.2, "NVIDIA A10 datasheet"),
    ("V100", 15.7, "NVIDIA V100 datasheet, SXM2"),
    ("T4", 8.1, "NVIDIA T4 datasheet"),
]


def fp32_peak(device_name):
    """``(TFLOP/s, source)`` of the card's fp32 peak, or ``(None, why)`` for a card not in FP32_PEAKS."""
    for key, peak, source in FP32_PEAKS:
        if key in device_name:
            return peak, source
    return None, f"no fp32 peak known for {device_name!r}"


@dataclass
class GpuWorkload:
    name: str
    impls: dict  # "cupy" (the floor), "minitf", and others shown against the floor or against minitf
    target: str
    flops: float = 0.0  # per call, for a GFLOP/s column


def _on(backend_name, fn):
    """``fn`` run with ``backend_name`` active (each implementation's tensors live on its own backend)."""
    def run():
        tf.config.set_backend(backend_name)
        return fn()

    return run


def gpu_time_per_call(fn, min_time, synchronize):
    """Like ``time_per_call``, with the GPU synchronised before each reading of the clock."""
    fn()
    number = 1
    while True:
        synchronize()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        synchronize()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / number
        number *= 2 if elapsed == 0 else max(2, int(min_time / elapsed * 1.2))


def gpu_add_2x2(cp):
    a, b = cp.ones((2, 2), cp.float32), cp.full((2, 2), 2.0, cp.float32)
    tf.config.set_backend("cupy")
    ta, tb = tf.constant(np.ones((2, 2), np.float32)), tf.constant(np.full((2, 2), 2.0, np.float32))
    impls = {"cupy": lambda: a + b, "minitf": lambda: ta + tb}  # cupy stays the backend: no switch per call
    if torch is not None and torch.cuda.is_available():
        pa, pb = torch.ones((2, 2), device="cuda"), torch.full((2, 2), 2.0, device="cuda")
        impls["torch"] = lambda: pa + pb
    return GpuWorkload("GPU: eager a + b, 2x2 float32", impls, "overhead: no slower than PyTorch")


def gpu_matmul_4096(cp, n=4096):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(n, n)).astype(np.float32), rng.normal(size=(n, n)).astype(np.float32)
    ca, cb = cp.asarray(a), cp.asarray(b)
    tf.config.set_backend("cupy")
    ta, tb = tf.constant(a), tf.constant(b)
    got, want = cp.asnumpy(tf.matmul(ta, tb)._value[:64, :64]), a[:64].astype(np.float64) @ b[:, :64]
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-2)  # float32 products, against float64
    impls = {"cupy": lambda: cp.matmul(ca, cb), "minitf": lambda: tf.matmul(ta, tb)}
    return GpuWorkload(f"GPU: matmul {n}x{n} float32", impls, "80% of cupy.matmul or more", flops=2.0 * n**3)


def gpu_mlp_step(cp, batch):
    x, y, weights = mlp_data(batch)
    cx, cy, cparams = cp.asarray(x), cp.asarray(y), [cp.array(w) for w in weights]  # copies: the steps update them
    first_floor = float(mlp_numpy_step(cx, cy, [cp.array(w) for w in weights], xp=cp))
    tf.config.set_backend("numpy")
    cpu_x, cpu_y, cpu_vars = tf.constant(x), tf.constant(y, dtype=tf.int32), [tf.Variable(w) for w in weights]
    tf.config.set_backend("cupy")
    tx, ty, variables = tf.constant(x), tf.constant(y, dtype=tf.int32), [tf.Variable(w) for w in weights]
    traced_vars = [tf.Variable(w) for w in weights]
    traced = tf.function(lambda x, y: mlp_minitf_step(x, y, traced_vars))
    np.testing.assert_allclose(float(mlp_minitf_step(tx, ty, [tf.Variable(w) for w in weights])), first_floor,
                               rtol=1e-4)
    impls = {"cupy": lambda: mlp_numpy_step(cx, cy, cparams, xp=cp),
             "minitf": _on("cupy", lambda: mlp_minitf_step(tx, ty, variables)),
             "minitf traced": _on("cupy", lambda: traced(tx, ty)),
             "minitf on the CPU": _on("numpy", lambda: mlp_minitf_step(cpu_x, cpu_y, cpu_vars))}
    target = "10x faster than the CPU" if batch >= 4096 else "faster than the CPU"
    return GpuWorkload(f"GPU: MLP 784-512-10 SGD step, batch {batch}", impls, target)


GPU_WORKLOADS = {"gpu_add": gpu_add_2x2, "gpu_matmul": gpu_matmul_4096,
                 "gpu_mlp128": lambda cp: gpu_mlp_step(cp, 128), "gpu_mlp4096": lambda cp: gpu_mlp_step(cp, 4096)}


def gpu_device():
    """``(cupy, description)`` when minitf's cupy backend is usable, else ``(None, why not)``."""
    from minitf.doctor import gpu_status

    usable, text = gpu_status()
    if not usable:
        return None, text.removeprefix("no: ")
    import cupy

    properties = cupy.cuda.runtime.getDeviceProperties(0)
    name = properties["name"].decode() if isinstance(properties["name"], bytes) else str(properties["name"])
    return cupy, name


def run_gpu_rows(names, rounds, min_time):
    """Time the GPU workloads ``names``, or print one line saying why they are skipped."""
    cp, device = gpu_device()
    if cp is None:
        print(f"\nGPU rows skipped: {device}")
        return
    peak, source = fp32_peak(device)
    peak_text = f"fp32 peak {peak:g} TFLOP/s ({source})" if peak else source
    print(f"\nGPU: {device}, CuPy {cp.__version__}, {peak_text}; the GPU is synchronised before each clock "
          f"reading. CPU: {os.cpu_count()} cores, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '')}")
    header = f"{'workload':44} {'cupy':>10} {'minitf':>10} {'ratio':>7}  target"
    print(header)
    print("-" * len(header))
    synchronize = cp.cuda.Device().synchronize
    try:
        for name in names:
            try:
                workload = GPU_WORKLOADS[name](cp)
            except Exception as error:  # one broken row must not hide the others
                first_line = (str(error).strip() or "").splitlines()[0] if str(error).strip() else ""
                print(f"{name:44} failed to set up: {type(error).__name__}: {first_line}", flush=True)
                continue
            tf.config.set_backend("cupy")
            samples = {impl: [] for impl in workload.impls}
            for _ in range(rounds):
                for impl, fn in workload.impls.items():
                    samples[impl].append(gpu_time_per_call(fn, min_time, synchronize))
            times = {impl: statistics.median(values) for impl, values in samples.items()}
            floor, mine = times["cupy"], times["minitf"]
            print(f"{workload.name:44} {format_time(floor):>10} {format_time(mine):>10} {mine / floor:>6.2f}x  "
                  f"{workload.target}", flush=True)
            if workload.flops:
                rates = {impl: workload.flops / t / 1e9 for impl, t in times.items()}
                share = f", {rates['minitf'] / (peak * 1e3):.0%} of the fp32 peak" if peak else ""
                print(f"{'  GFLOP/s':44} {rates['cupy']:>10.0f} {rates['minitf']:>10.0f} "
                      f"{rates['minitf'] / rates['cupy']:>6.0%}   of cupy.matmul{share}", flush=True)
            for other in times.keys() - {"cupy", "minitf"}:
                t = times[other]
                if other == "minitf on the CPU":
                    print(f"{'  ' + other:44} {format_time(t):>10} {'':>10} {t / mine:>6.1f}x  "
                          "= the GPU's speed-up over the CPU", flush=True)
                else:
                    print(f"{'  ' + other:44} {format_time(t):>10} {'':>10} {t / floor:>6.2f}x  of the cupy floor",
                          flush=True)
    finally:
        tf.config.set_backend("numpy")


def format_time(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (noisier)")
    parser.add_argument("--gpu", action="store_true", help="run only the GPU rows (minitf on CuPy)")
    parser.add_argument("--only", nargs="*", choices=sorted(WORKLOADS) + sorted(GPU_WORKLOADS),
                        help="run only these workloads")
    args = parser.parse_args(argv)
    rounds, min_time = (3, 0.05) if args.quick else (7, 0.2)
    gpu_names = [name for name in args.only or GPU_WORKLOADS if name in GPU_WORKLOADS]
    cpu_names = [] if args.gpu else [name for name in args.only or WORKLOADS if name in WORKLOADS]
    if not cpu_names:
        return run_gpu_rows(gpu_names, rounds, min_time)
    print(f"minitf {tf.__version__}, NumPy {np.__version__}, PyTorch {torch.__version__ if torch else 'not installed'}"
          f", backend {tf.config.get_backend()}; median of {rounds} interleaved rounds\n")
    header = f"{'workload':44} {'numpy':>10} {'minitf':>10} {'ratio':>7} {'torch':>10} {'ratio':>7}  target"
    print(header)
    print("-" * len(header))
    for name in cpu_names:
        workload = WORKLOADS[name]()
        times = measure(workload, rounds, min_time)
        if name == "import":  # report the import itself: minus the interpreter's start-up
            base = times.pop("python")
            times = {k: max(v - base, 1e-9) for k, v in times.items()}
        floor = times["numpy"]
        torch_cols = (f"{format_time(times['torch']):>10} {times['torch'] / floor:>6.2f}x" if "torch" in times
                      else f"{'-':>10} {'-':>7}")
        print(f"{workload.name:44} {format_time(floor):>10} {format_time(times['minitf']):>10} "
              f"{times['minitf'] / floor:>6.2f}x {torch_cols}  {workload.target}", flush=True)
        for other in times.keys() - {"numpy", "minitf", "torch"}:  # another floor, shown for comparison
            print(f"{'  against ' + other:44} {format_time(times[other]):>10} {'':>10} "
                  f"{times['minitf'] / times[other]:>6.2f}x", flush=True)
    if gpu_names:
        run_gpu_rows(gpu_names, rounds, min_time)


if __name__ == "__main__":
    main()
