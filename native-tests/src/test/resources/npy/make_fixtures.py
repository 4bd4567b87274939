"""Regenerates the .npy fixtures of NpyTest with NumPy (run from this folder: python3 make_fixtures.py).

Values are k + k/8 for k = 0, 1, ... in C order, so the tests can recompute them; every array is exactly
representable in float32.
"""
import numpy as np
from numpy.lib import format as fmt


def values(shape, dtype):
    n = int(np.prod(shape)) if shape else 1
    k = np.arange(n, dtype=np.float64)
    return (k + k / 8).reshape(shape).astype(dtype)


np.save("f4_c_3x4.npy", values((3, 4), "<f4"))
np.save("f8_c_5.npy", values((5,), "<f8"))
np.save("f4_fortran_3x4.npy", np.asfortranarray(values((3, 4), "<f4")))
np.save("f8_fortran_2x3x4.npy", np.asfortranarray(values((2, 3, 4), "<f8")))
np.save("f4_scalar.npy", values((), "<f4"))
np.save("f4_empty_0x3.npy", values((0, 3), "<f4"))
with open("f4_v2_2x2.npy", "wb") as f:
    fmt.write_array(f, values((2, 2), "<f4"), version=(2, 0))
with open("f4_v3_2x2.npy", "wb") as f:
    fmt.write_array(f, values((2, 2), "<f4"), version=(3, 0))
np.save("i4_3.npy", np.arange(3, dtype="<i4"))
np.save("f4_bigendian_3.npy", values((3,), ">f4"))
