"""Regenerates the seed corpora of ReaderFuzzTest (run from this folder: python3 make_seeds.py).

Valid files written by NumPy (.npy) or by the formats' definitions (safetensors, PNG, model descriptions),
plus a few malformed ones per format. Inputs that fuzzing found are committed beside these under names
that start with "finding-"; this script leaves them alone, as it does the writer_* inputs (written by the
project's Npy, Safetensors, Images and ModelFiles writers) and png/other_* (BMP, GIF, JPEG, TIFF, WBMP written
by javax.imageio, which Images.readGray must reject).
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from numpy.lib import format as fmt

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy(array, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, array)
    else:
        fmt.write_array(b, array, version=version)
    return b.getvalue()


def values(shape, dtype):
    n = int(np.prod(shape)) if shape else 1
    k = np.arange(n, dtype=np.float64)
    return (k + k / 8 - 1).reshape(shape).astype(dtype)


# ------------------------------------------------------------------------------------------------ .npy
NPY = {
    "f4_c_3x4": npy(values((3, 4), "<f4")),
    "f4_1": npy(np.array([0.25], "<f4")),
    "f4_3": npy(values((3,), "<f4")),
    "f8_c_5": npy(values((5,), "<f8")),
    "f4_fortran_3x4": npy(np.asfortranarray(values((3, 4), "<f4"))),
    "f8_fortran_2x3x4": npy(np.asfortranarray(values((2, 3, 4), "<f8"))),
    "f4_scalar": npy(values((), "<f4")),
    "f4_empty_0x3": npy(values((0, 3), "<f4")),
    "f4_v2_2x2": npy(values((2, 2), "<f4"), (2, 0)),
    "f4_v3_2x2": npy(values((2, 2), "<f4"), (3, 0)),
    "f4_nan_inf": npy(np.array([np.nan, np.inf, -np.inf, -0.0], "<f4")),
    "f8_overflow": npy(np.array([1e300, -1e-300, 3.0], "<f8")),
}
for name, data in NPY.items():
    put("npy", name + ".npy", data)
good = NPY["f4_c_3x4"]
put("npy", "bad_i4.npy", npy(np.arange(3, dtype="<i4")))
put("npy", "bad_bigendian.npy", npy(values((3,), ">f4")))
put("npy", "bad_truncated.npy", good[:-5])
put("npy", "bad_trailing.npy", good + b"\0\0\0\0")
put("npy", "bad_header_beyond_file.npy", good[:8] + b"\xff\xff" + good[10:40])
put("npy", "bad_version.npy", good[:6] + b"\x04\x00" + good[8:])
put("npy", "bad_negative_dim.npy", good.replace(b"(3, 4)", b"(-3, 4)").replace(b"}    ", b"}   ", 1))
put("npy", "bad_huge_shape.npy", good.replace(b"(3, 4), }", b"(99999999999999999, 99999999999, 4), }").replace(b"  " * 16, b"", 1))
put("npy", "bad_key.npy", good.replace(b"'fortran_order'", b"'fortran_ordex'"))
put("npy", "bad_magic.npy", b"\x93NUMPX" + good[6:])
put("npy", "bad_short.npy", good[:9])

# ------------------------------------------------------------------------------------------------ safetensors
def safetensors(tensors, metadata=None, pad=True, header_override=None):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    data = b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if header_override is not None:
        header = header_override
    h = json.dumps(header).encode()
    if pad:
        h += b" " * ((-(8 + len(h))) % 64)
    return struct.pack("<Q", len(h)) + h + data


w = values((2, 3), "<f4")
b = values((2,), "<f4")
put("safetensors", "f32_two.safetensors", safetensors([("w", "F32", (2, 3), w.tobytes()), ("b", "F32", (2,), b.tobytes())],
                                                       {"format": "pt"}))
put("safetensors", "all_float_dtypes.safetensors", safetensors([
    ("f16", "F16", (3,), np.array([1, -2.5, 65504], "<f2").tobytes()),
    ("bf16", "BF16", (2,), struct.pack("<HH", 0x3f80, 0xc040)),
    ("f64", "F64", (2, 1), np.array([[1e300], [0.1]], "<f8").tobytes()),
    ("f32", "F32", (), np.array(7, "<f4").tobytes()),
]))
put("safetensors", "unused_dtypes.safetensors", safetensors([
    ("i64", "I64", (2,), np.array([1, 2], "<i8").tobytes()),
    ("u8", "U8", (3,), b"\1\2\3"),
    ("bool", "BOOL", (1,), b"\1"),
    ("f32", "F32", (1,), np.array([3], "<f4").tobytes()),
]))
put("safetensors", "empty_tensor.safetensors", safetensors([("e", "F32", (0, 4), b"")]))
put("safetensors", "no_tensors.safetensors", safetensors([], {"k": "v"}))
put("safetensors", "unpadded.safetensors", safetensors([("x", "F32", (1,), b"\0\0\x80\x3f")], pad=False))
put("safetensors", "bad_overlap.safetensors", safetensors([], header_override={
    "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
    "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}) + b"\0" * 4)
put("safetensors", "bad_hole.safetensors", safetensors([], header_override={
    "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}) + b"\0" * 8)
put("safetensors", "bad_shape.safetensors", safetensors([], header_override={
    "a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 4]}}) + b"\0" * 4)
put("safetensors", "bad_huge_shape.safetensors", safetensors([], header_override={
    "a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}))
put("safetensors", "bad_header_length.safetensors", struct.pack("<Q", 2 ** 63 + 5) + b"{}")
put("safetensors", "bad_json.safetensors", struct.pack("<Q", 6) + b'{"a":]')
put("safetensors", "bad_duplicate.safetensors", struct.pack("<Q", 18) + b'{"__metadata__":{}' + b"}")

# ------------------------------------------------------------------------------------------------ model descriptions
SEP = {name: ("\n#" + name + "\n").encode() for name in ("model.safetensors", "a.npy", "b.npy")}


def model(desc, st=None, a=None, bb=None):
    out = json.dumps(desc, indent=1).encode()
    for name, part in (("model.safetensors", st), ("a.npy", a), ("b.npy", bb)):
        if part is not None:
            out += SEP[name] + part
    return out


st2 = safetensors([("l1.w", "F32", (3, 2), values((3, 2), "<f4").tobytes()),
                   ("l1.b", "F32", (3,), values((3,), "<f4").tobytes()),
                   ("l2.w", "F16", (1, 3), values((1, 3), "<f2").tobytes())])
put("modelDescription", "safetensors_two_layers", model({
    "version": 1, "tensors": "model.safetensors", "metadata": {"note": "seed"},
    "layers": [{"weight": "l1.w", "bias": "l1.b", "activation": "relu"},
               {"weight": "l2.w", "activation": {"type": "leaky_relu", "slope": 0.1}}]}, st=st2))
put("modelDescription", "npy_two_layers", model({
    "layers": [{"weight": "a.npy", "bias": None, "activation": "tanh"},
               {"weight": "b.npy", "activation": {"type": "soft_threshold", "lambda": 0.5}}]},
    a=npy(values((4, 2), "<f4")), bb=npy(np.asfortranarray(values((1, 4), "<f8")))))
put("modelDescription", "mixed", model({
    "tensors": "model.safetensors",
    "layers": [{"weight": "l1.w", "bias": "a.npy", "activation": "sigmoid"},
               {"weight": "l2.w", "activation": "clip"},
               {"weight": "b.npy", "activation": "identity"}]},
    st=st2, a=npy(values((3,), "<f4")), bb=npy(values((2, 1), "<f4"))))
put("modelDescription", "bad_chain", model({"layers": [{"weight": "a.npy"}, {"weight": "b.npy"}]},
                                          a=npy(values((4, 2), "<f4")), bb=npy(values((1, 3), "<f4"))))
put("modelDescription", "bad_nan", model({"layers": [{"weight": "a.npy"}]}, a=npy(np.array([[np.nan, 1]], "<f4"))))
put("modelDescription", "bad_missing_tensor", model({"tensors": "model.safetensors", "layers": [{"weight": "nope"}]}, st=st2))
put("modelDescription", "bad_key", model({"layers": [{"weight": "a.npy", "activaton": "relu"}]}, a=npy(values((1, 1), "<f4"))))
put("modelDescription", "bad_activation", model({"layers": [{"weight": "a.npy", "activation": {"type": "leaky_relu"}}]},
                                               a=npy(values((1, 1), "<f4"))))
put("modelDescription", "bad_json", b'{"layers": [')

# ------------------------------------------------------------------------------------------------ PNG
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png(width, height, depth, color, rows, palette=None, extra=b""):
    """rows: list of raw scanline bytes (without the filter byte)."""
    raw = b"".join(b"\0" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0))
    if palette is not None:
        out += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    return out + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


put("png", "gray8_3x2.png", png(3, 2, 8, 0, [bytes([0, 128, 255]), bytes([1, 2, 3])]))
put("png", "gray16_2x2.png", png(2, 2, 16, 0, [struct.pack(">HH", 0, 65535), struct.pack(">HH", 1, 40000)]))
put("png", "gray1_9x1.png", png(9, 1, 1, 0, [bytes([0b10110010, 0b10000000])]))
put("png", "gray4_3x1.png", png(3, 1, 4, 0, [bytes([0x0f, 0x70])]))
put("png", "gray_alpha8_2x1.png", png(2, 1, 8, 4, [bytes([10, 255, 200, 0])]))
put("png", "palette_gray_2x2.png", png(2, 2, 8, 3, [bytes([0, 1]), bytes([1, 0])], palette=[(0, 0, 0), (77, 77, 77)]))
put("png", "palette_color_1x1.png", png(1, 1, 8, 3, [bytes([0])], palette=[(255, 0, 0)]))
put("png", "rgb_gray_2x1.png", png(2, 1, 8, 2, [bytes([9, 9, 9, 250, 250, 250])]))
put("png", "rgb_color_1x1.png", png(1, 1, 8, 2, [bytes([1, 2, 3])]))
put("png", "rgba16_gray_1x1.png", png(1, 1, 16, 6, [struct.pack(">HHHH", 500, 500, 500, 9)]))
put("png", "gray8_gamma.png", png(1, 1, 8, 0, [bytes([7])], extra=chunk(b"gAMA", struct.pack(">I", 45455))))
put("png", "bad_truncated.png", png(3, 2, 8, 0, [bytes([0, 128, 255]), bytes([1, 2, 3])])[:-20])
put("png", "bad_huge.png", png(100000, 100000, 8, 0, [b""]))
put("png", "bad_zero_width.png", png(0, 1, 8, 0, [b""]))
put("png", "bad_crc.png", png(1, 1, 8, 0, [b"\0"]).replace(b"IDAT", b"IDAT\0", 1)[:-1])
put("png", "bad_not_an_image.png", b"hello")

# ------------------------------------------------------------------------------------------------ observations
# First byte: bits 0-2 the last activation (identity, relu, tanh, sigmoid, clip), bit 3 batch,
# bit 4 allow non-finite, bit 5 allow outside the domain. The network's output size is 3.
obs = np.array([0.25, 0.5, 0.75], "<f4")
for act in range(5):
    put("observations", "one_act%d" % act, bytes([act]) + npy(obs))
    put("observations", "batch_act%d" % act, bytes([act | 8]) + npy(np.array([[0, 0.5, 1], [0.1, 0.2, 0.3]], "<f4")))
put("observations", "negative_relu", bytes([1]) + npy(np.array([-1, 0, 1], "<f4")))
put("observations", "negative_relu_allowed", bytes([1 | 32]) + npy(np.array([-1, 0, 1], "<f4")))
put("observations", "nan", bytes([0]) + npy(np.array([np.nan, 0, 1], "<f4")))
put("observations", "nan_allowed", bytes([16]) + npy(np.array([np.nan, np.inf, 1], "<f4")))
put("observations", "f8_batch_fortran", bytes([8]) + npy(np.asfortranarray(values((2, 3), "<f8"))))
put("observations", "wrong_size", bytes([0]) + npy(values((4,), "<f4")))
put("observations", "batch_wrong_rank", bytes([8]) + npy(obs))
put("observations", "empty_batch", bytes([8]) + npy(values((0, 3), "<f4")))


# ------------------------------------------------------------------------------------------------ IDX
# MNIST's format: 0, 0, dtype code, rank, big-endian int32 dims, big-endian data; plain or gzipped (mtime 0, so
# that the seeds are reproducible). The real_* seeds are the first images and labels of Fashion-MNIST's test
# split (MIT licence) with the count in the header cut to match, when Debian's dataset-fashion-mnist is installed.
import gzip as _gzip

IDX_CODES = {"u8": (0x08, ">u1"), "i8": (0x09, ">i1"), "i16": (0x0B, ">i2"), "i32": (0x0C, ">i4"),
             "f32": (0x0D, ">f4"), "f64": (0x0E, ">f8")}


def idx(code, shape, data=b""):
    return struct.pack(">BBBB", 0, 0, code, len(shape)) + b"".join(struct.pack(">i", d) for d in shape) + data


def gz(data):
    return _gzip.compress(data, mtime=0)


for name, shape in [("u8", (3, 2, 2)), ("i8", (5,)), ("i16", (2, 3)), ("i32", (4,)), ("f32", (2, 2)),
                    ("f64", (3,)), ("u8", ()), ("f32", (0, 3))]:
    code, dt = IDX_CODES[name]
    n = int(np.prod(shape)) if shape else 1
    k = np.arange(n, dtype=np.float64)
    if name in ("f32", "f64"):
        a = (k + k / 8 - 1)
        if name == "f32" and n >= 4:
            a[:3] = [np.nan, np.inf, -0.0]
    else:
        a = (k * 37 - 20) if name != "u8" else (k * 53) % 256
    data = a.astype(dt).tobytes()
    label = name + "_" + ("x".join(map(str, shape)) or "scalar")
    put("idx", label + ".idx", idx(code, shape, data))
    put("idx", label + ".idx.gz", gz(idx(code, shape, data)))

put("idx", "labels_u8_10.idx.gz", gz(idx(0x08, (10,), bytes(range(10)))))
put("idx", "bad_magic.idx", b"\x00\x01\x08\x01\x00\x00\x00\x01\x07")
put("idx", "bad_dtype.idx", idx(0x0A, (1,), b"\x00"))
put("idx", "bad_truncated.idx", idx(0x08, (2, 3), b"\x01\x02\x03"))
put("idx", "bad_trailing.idx.gz", gz(idx(0x08, (2,), b"\x01\x02\x03")))
put("idx", "bad_negative_dim.idx", idx(0x08, (-1,)))
put("idx", "bad_overflow.idx", idx(0x0E, (2**31 - 1,) * 3))
put("idx", "bad_bomb.idx.gz", gz(idx(0x08, (1 << 16,), bytes(1 << 17))))
put("idx", "bad_gzip_crc.idx.gz", (lambda b: b[:-8] + bytes([b[-8] ^ 1]) + b[-7:])(gz(idx(0x09, (3,), b"\x01\x02\x03"))))

FASHION = "/usr/share/datasets/fashion-mnist"
if os.path.isdir(FASHION):
    with _gzip.open(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")) as f:
        images = f.read()
    with _gzip.open(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = f.read()
    put("idx", "real_fashion_images_2.idx.gz", gz(idx(0x08, (2, 28, 28), images[16:16 + 2 * 784])))
    put("idx", "real_fashion_images_1.idx", idx(0x08, (1, 28, 28), images[16:16 + 784]))
    put("idx", "real_fashion_labels_20.idx.gz", gz(idx(0x08, (20,), labels[8:28])))
