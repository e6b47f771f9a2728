#!/usr/bin/env python3
"""Write the .npz fixtures of tests/check_npz.c into this directory.

Run once with a Python 3 that has NumPy (Debian: apt-get install
python3-numpy, then /usr/bin/python3 make_fixtures.py).  The files are
committed, so the test suite itself needs neither Python nor NumPy.  NumPy
writes the valid archives itself (np.savez stores, np.savez_compressed
deflates), so the C reader is checked against NumPy's own output; the
archives of broken .npy members are assembled byte by byte with zipfile.

Every valid array holds values that float32 represents exactly, so the C
test compares them with ==:
    W0[i, j] = 10 i + j + 0.5   (3 x 4)
    W1[i, j] = -(i + 1) / 8 + j (2 x 3)
    b0[i]    = -1.5 (i + 1)     (3)
    c0[i]    = 0.125 (i + 1)    (3)
"""
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def w0(dtype):
    i, j = np.indices((3, 4))
    return (10.0 * i + j + 0.5).astype(dtype)


def w1(dtype):
    i, j = np.indices((2, 3))
    return (-(i + 1) / 8.0 + j).astype(dtype)


def vec(scale, dtype):
    return (scale * np.arange(1, 4)).astype(dtype)


def valid():
    # float64, C order, stored (np.savez).
    np.savez(path("f64_c_stored.npz"), W0=w0("<f8"), b0=vec(-1.5, "<f8"))
    # float32, Fortran order, deflated (np.savez_compressed); W1 float64 Fortran.
    np.savez_compressed(path("f32_fortran_deflated.npz"),
                        W0=np.asfortranarray(w0("<f4")), c0=vec(0.125, "<f4"),
                        W1=np.asfortranarray(w1("<f8")))
    # Big-endian float64 (C order) and float32 (Fortran order), deflated.
    np.savez_compressed(path("big_endian.npz"), W0=w0(">f8"),
                        W1=np.asfortranarray(w1(">f4")), b0=vec(-1.5, ">f4"))
    # Valid arrays with non-finite values (for the separate finiteness check).
    bad = w0("<f8")
    bad[1, 2] = np.nan
    bad32 = vec(0.125, "<f4")
    bad32[2] = -np.inf
    np.savez(path("nonfinite.npz"), W0=bad, c0=bad32, b0=vec(-1.5, "<f8"))


def unsupported():
    # Well-formed .npy members of dtypes and shapes cospin refuses.
    arrays = {
        "int64": np.arange(12, dtype="<i8").reshape(3, 4),
        "float16": np.ones(3, dtype="<f2"),
        "complex": np.ones((2, 2), dtype="<c16"),
        "bool": np.ones(3, dtype="?"),
        "three_d": np.ones((2, 2, 2)),
        "scalar": np.array(1.5),
        "empty": np.ones((0, 3)),
        "structured": np.zeros(2, dtype=[("a", "<f8"), ("b", "<f4")]),
    }
    np.savez(path("unsupported.npz"), **arrays)


def npy(header, data=b"", version=(1, 0)):
    """A .npy member: magic, version, header length, the header text padded
    with blanks to a multiple of 64 bytes and ended by a newline, data."""
    text = header.encode("latin1")
    fmt = "<H" if version[0] == 1 else "<I"
    prefix = 6 + 2 + struct.calcsize(fmt)
    pad = 63 - (prefix + len(text)) % 64
    text += b" " * pad + b"\n"
    return (b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(text)) + text + data)


def f8(n):
    return struct.pack("<%dd" % n, *[0.5 * k for k in range(n)])


def broken():
    good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
    members = {
        "no_magic": b"NOTNUMPY" + npy(good, f8(2))[8:],
        "bad_version": b"\x93NUMPY\x04\x00" + npy(good, f8(2))[8:],
        "short": b"\x93NUMPY\x01",
        "header_past_end": b"\x93NUMPY\x01\x00" + struct.pack("<H", 1000) + b"{'descr'",
        "not_a_dict": npy("[1, 2]", f8(2)),
        "missing_shape": npy("{'descr': '<f8', 'fortran_order': False, }", f8(2)),
        "unknown_key": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), "
                           "'extra': 1, }", f8(2)),
        "duplicate_key": npy("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, "
                             "'shape': (2,), }", f8(2)),
        "negative_dim": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1), }",
                            f8(2)),
        "shape_not_tuple": npy("{'descr': '<f8', 'fortran_order': False, 'shape': 2, }", f8(2)),
        "fortran_not_bool": npy("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", f8(2)),
        "unterminated": npy("{'descr': '<f8", f8(2)),
        "too_little_data": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }",
                               f8(11)),
        "too_much_data": npy(good, f8(3)),
        "huge_shape": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }"
                          % 2**60, f8(2)),
        "huge_product": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }"
                            % (2**40, 2**40), f8(2)),
        "dim_overflow": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }"
                            % 2**70, f8(2)),
        "version2": npy(good, f8(2), version=(2, 0)),
    }
    with zipfile.ZipFile(path("broken.npz"), "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, data)


if __name__ == "__main__":
    valid()
    unsupported()
    broken()
