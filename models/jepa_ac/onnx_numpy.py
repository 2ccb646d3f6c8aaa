"""A small NumPy interpreter for the ONNX graphs this package exports, used as an independent
check of the exported files (Debian's python3-onnx 1.12 has no ``onnx.reference`` and there is
no onnxruntime for Python here).

It covers only the operators ``export.py`` and ``quantize.py`` produce (opset 17) and raises on
anything else.
Computation is float32 like onnxruntime's CPU kernels (Erf and LayerNormalization statistics in
float64, cast back).
"""
from __future__ import annotations

import math
from typing import Callable, Dict, List, Sequence

import numpy as np
import onnx
from onnx import numpy_helper

_erf = np.frompyfunc(math.erf, 1, 1)


def _attrs(node: onnx.NodeProto) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, a: dict) -> np.ndarray:
    strides = list(a.get("strides", [1, 1]))
    pads = list(a.get("pads", [0, 0, 0, 0]))
    kh, kw = w.shape[2], w.shape[3]
    if a.get("group", 1) != 1 or list(a.get("dilations", [1, 1])) != [1, 1]:
        raise NotImplementedError("Conv with groups or dilations")
    if any(pads):
        x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, c, h, wd = x.shape
    oh, ow = (h - kh) // strides[0] + 1, (wd - kw) // strides[1] + 1
    cols = np.empty((n, oh, ow, c, kh, kw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, :, i, j] = x[:, :, i : i + strides[0] * oh : strides[0], j : j + strides[1] * ow : strides[1]].transpose(0, 2, 3, 1)
    out = cols.reshape(n * oh * ow, -1) @ w.reshape(w.shape[0], -1).T
    if b is not None:
        out = out + b
    return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2).astype(x.dtype)


def _layer_norm(x: np.ndarray, scale: np.ndarray, bias: np.ndarray | None, a: dict) -> np.ndarray:
    axis = a.get("axis", -1)
    eps = a.get("epsilon", 1e-5)
    axes = tuple(range(axis % x.ndim, x.ndim))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x64 - mean) / np.sqrt(var + eps) * scale
    if bias is not None:
        y = y + bias
    return y.astype(x.dtype)


def _softmax(x: np.ndarray, a: dict) -> np.ndarray:
    axis = a.get("axis", -1)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return (e / e.sum(axis=axis, keepdims=True)).astype(x.dtype)


def _slice(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    idx = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        idx[int(ax)] = slice(int(s), int(e), int(st))
    return x[tuple(idx)]


def _reshape(x, shape, a):
    shape = [int(v) for v in shape]
    if not a.get("allowzero", 0):
        shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return x.reshape(shape)


def _expand(x, shape):
    return x * np.ones([int(v) for v in shape], dtype=x.dtype) if x.dtype != bool else np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(int(v) for v in shape)))


def _gemm(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, a: dict) -> np.ndarray:
    x = x.T if a.get("transA", 0) else x
    w = w.T if a.get("transB", 0) else w
    y = a.get("alpha", 1.0) * (x @ w)
    return (y if b is None else y + a.get("beta", 1.0) * b).astype(x.dtype)


def _dynamic_quantize_linear(x: np.ndarray) -> tuple:
    """ONNX DynamicQuantizeLinear: uint8 with the range [min(x, 0), max(x, 0)], zero point rounded half to even."""
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = np.float32((hi - lo) / 255.0) if hi > lo else np.float32(1.0)
    zero = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
    q = np.clip(np.rint(x / scale) + zero, 0, 255).astype(np.uint8)
    return q, np.array(scale, dtype=np.float32), np.array(zero, dtype=np.uint8)


def _matmul_integer(a: np.ndarray, b: np.ndarray, a_zero=None, b_zero=None) -> np.ndarray:
    a32 = a.astype(np.int32) - (0 if a_zero is None else a_zero.astype(np.int32))
    b32 = b.astype(np.int32) - (0 if b_zero is None else b_zero.astype(np.int32))
    return np.matmul(a32, b32).astype(np.int32)


def _np_dtype(onnx_type: int) -> np.dtype:
    """NumPy dtype of an ONNX tensor type (onnx >= 1.13 has helper.tensor_dtype_to_np_dtype;
    Debian's 1.12 only the mapping table)."""
    helper = getattr(onnx.helper, "tensor_dtype_to_np_dtype", None)
    return np.dtype(helper(onnx_type) if helper else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type])


_OPS: Dict[str, Callable[..., np.ndarray]] = {
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": lambda a, x, y: (x / y).astype(x.dtype) if x.dtype.kind == "f" else x // y,
    "Abs": lambda a, x: np.abs(x),
    "Sin": lambda a, x: np.sin(x),
    "Cos": lambda a, x: np.cos(x),
    "Sqrt": lambda a, x: np.sqrt(x),
    "Pow": lambda a, x, y: np.power(x, y).astype(x.dtype),
    "Erf": lambda a, x: _erf(x.astype(np.float64)).astype(x.dtype),
    "MatMul": lambda a, x, y: np.matmul(x, y),
    "Softmax": lambda a, x: _softmax(x, a),
    "LayerNormalization": lambda a, x, s, b=None: _layer_norm(x, s, b, a),
    "Conv": lambda a, x, w, b=None: _conv(x, w, b, a),
    "Transpose": lambda a, x: np.transpose(x, a.get("perm")),
    "Reshape": lambda a, x, s: _reshape(x, s, a),
    "Expand": lambda a, x, s: _expand(x, s),
    "Concat": lambda a, *xs: np.concatenate(xs, axis=a["axis"]),
    "Gather": lambda a, x, i: np.take(x, i.astype(np.int64), axis=a.get("axis", 0)),
    "Slice": lambda a, x, *r: _slice(x, *r),
    "Unsqueeze": lambda a, x, axes: np.expand_dims(x, tuple(int(v) % (x.ndim + len(axes)) for v in axes)),
    "Squeeze": lambda a, x, axes=None: np.squeeze(x, None if axes is None else tuple(int(v) for v in axes)),
    "Shape": lambda a, x: np.array(x.shape, dtype=np.int64),
    "ConstantOfShape": lambda a, s: np.full([int(v) for v in s], numpy_helper.to_array(a["value"])[0] if "value" in a else 0.0,
                                            dtype=numpy_helper.to_array(a["value"]).dtype if "value" in a else np.float32),
    "Equal": lambda a, x, y: np.equal(x, y),
    "Greater": lambda a, x, y: np.greater(x, y),
    "Where": lambda a, c, x, y: np.where(c, x, y),
    "Clip": lambda a, x, lo=None, hi=None: np.clip(x, lo, hi).astype(x.dtype),
    "ReduceMean": lambda a, x: np.mean(x, axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)), dtype=np.float64).astype(x.dtype),
    "ReduceMax": lambda a, x: np.max(x, axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1))),
    "Relu": lambda a, x: np.maximum(x, 0).astype(x.dtype),
    "Sigmoid": lambda a, x: (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype),
    "Gemm": lambda a, x, w, b=None: _gemm(x, w, b, a),
    "Identity": lambda a, x: x,
    "Cast": lambda a, x: x.astype(_np_dtype(a["to"])),
    "DynamicQuantizeLinear": lambda a, x: _dynamic_quantize_linear(x),
    "MatMulInteger": lambda a, x, w, xz=None, wz=None: _matmul_integer(x, w, xz, wz),
}


class NumpyOnnx:
    """Evaluates an ONNX model (path or ModelProto) with NumPy: ``run(feeds) -> {name: array}``.
    Subclasses extend ``OPS`` for graphs with more operators."""

    OPS: Dict[str, Callable[..., np.ndarray]] = _OPS

    def __init__(self, model):
        self.model = model if isinstance(model, onnx.ModelProto) else onnx.load(model)
        self.init = {t.name: numpy_helper.to_array(t) for t in self.model.graph.initializer}
        unknown = sorted({n.op_type for n in self.model.graph.node if n.op_type not in self.OPS and n.op_type != "Constant"})
        if unknown:
            raise NotImplementedError(f"operators not supported by the NumPy evaluator: {unknown}")

    @property
    def output_names(self) -> List[str]:
        return [o.name for o in self.model.graph.output]

    def run(self, feeds: Dict[str, np.ndarray], outputs: Sequence[str] | None = None) -> Dict[str, np.ndarray]:
        env: Dict[str, np.ndarray] = dict(self.init)
        env.update({k: np.asarray(v) for k, v in feeds.items()})
        for node in self.model.graph.node:
            a = _attrs(node)
            if node.op_type == "Constant":
                env[node.output[0]] = numpy_helper.to_array(a["value"])
                continue
            args = [env[i] if i else None for i in node.input]
            while args and args[-1] is None:
                args.pop()
            try:
                out = self.OPS[node.op_type](a, *args)
            except Exception as e:  # name the node: the only useful clue when a graph changes
                raise RuntimeError(f"{node.op_type} node {node.name!r} failed: {e}") from e
            outs = out if isinstance(out, tuple) else (out,)
            for name, value in zip(node.output, outs):
                env[name] = np.asarray(value)
        return {name: env[name] for name in (outputs or self.output_names)}
