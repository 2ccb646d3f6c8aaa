"""ONNX plumbing for models of any size: export through a scratch file (torch writes external
data itself above 2 GB), save with or without one external data file, convert a float32 graph
to float16, and evaluate graphs with NumPy for the parity check.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from typing import List, Optional, Sequence

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from ..contract.constants import OPSET
from ..jepa_ac.onnx_numpy import NumpyOnnx

# Ops left in float32 inside float16 graphs: the pose update's trigonometry (only a few values,
# and onnxruntime lacks float16 kernels for them on several providers).
FLOAT32_OPS = ("Sin", "Cos", "Atan")


def export_graph(module: torch.nn.Module, args: tuple, inputs: List[str], outputs: List[str], dynamic: Optional[dict]) -> onnx.ModelProto:
    """Traces ``module`` to an opset-17 ModelProto with every weight loaded in memory."""
    scratch = tempfile.mkdtemp(prefix="vjepa2-onnx-")
    try:
        path = os.path.join(scratch, "graph.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about the shape checks in forward()
            torch.onnx.export(
                module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                opset_version=OPSET, do_constant_folding=True,
            )
        return onnx.load(path)  # pulls in any external data torch wrote next to it
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def save_graph(model: onnx.ModelProto, path: str, external_data: bool) -> List[str]:
    """Writes ``path`` (weights in ``<file>.data`` next to it when ``external_data``), checks it,
    and returns the external data file names (relative to the graph's folder)."""
    files: List[str] = []
    if external_data:
        location = os.path.basename(path) + ".data"
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=location, size_threshold=1024)
        files.append(location)
    else:
        onnx.save_model(model, path)
    onnx.checker.check_model(path)  # by path: works above the 2 GB protobuf limit
    return files


def _fp16_tensor(t: TensorProto) -> TensorProto:
    if t.data_type != TensorProto.FLOAT:
        return t
    arr = numpy_helper.to_array(t).astype(np.float16)
    return numpy_helper.from_array(arr, t.name)


def to_float16(model: onnx.ModelProto, keep_float32: Sequence[str] = FLOAT32_OPS) -> onnx.ModelProto:
    """A copy of a float32 graph with every float tensor in float16 (inputs, outputs, weights,
    constants, casts); ops named in ``keep_float32`` run in float32 between two Casts."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    for init in g.initializer:
        init.CopyFrom(_fp16_tensor(init))
    for vi in list(g.input) + list(g.output):
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
            vi.type.tensor_type.elem_type = TensorProto.FLOAT16
    del g.value_info[:]  # stale float32 type hints
    nodes = []
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                a.t.CopyFrom(_fp16_tensor(a.t))
            if n.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT:
                a.i = TensorProto.FLOAT16
        if n.op_type in keep_float32:
            src, dst = n.input[0], n.output[0]
            up, down = f"{src}__to_fp32_{n.name}", f"{dst}__fp32"
            nodes.append(helper.make_node("Cast", [src], [up], name=f"{n.name}__up", to=TensorProto.FLOAT))
            n.input[0], n.output[0] = up, down
            nodes.append(n)
            nodes.append(helper.make_node("Cast", [down], [dst], name=f"{n.name}__down", to=TensorProto.FLOAT16))
        else:
            nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    return m


# --------------------------------------------------------------------------- NumPy evaluator

_EXTRA_OPS = {
    "Atan": lambda a, x: np.arctan(x),
    "Sign": lambda a, x: np.sign(x),
    "Neg": lambda a, x: -x,
    "GreaterOrEqual": lambda a, x, y: np.greater_equal(x, y),
    "Less": lambda a, x, y: np.less(x, y),
    "LessOrEqual": lambda a, x, y: np.less_equal(x, y),
    "Not": lambda a, x: np.logical_not(x),
    "And": lambda a, x, y: np.logical_and(x, y),
    "Or": lambda a, x, y: np.logical_or(x, y),
}
OPS = {**NumpyOnnx.OPS, **_EXTRA_OPS}


class NumpyGraph(NumpyOnnx):
    """``models.jepa_ac.onnx_numpy.NumpyOnnx`` plus the operators the pose update adds."""

    OPS = OPS


def graph_runner(path: str):
    """(engine name, feeds -> {output: array}) for a saved graph: ``onnx.reference`` when this
    onnx has it (>= 1.13), else the NumPy evaluator. onnxruntime for Python is not used: Debian
    does not package it."""
    try:
        from onnx.reference import ReferenceEvaluator  # type: ignore[import]

        ev = ReferenceEvaluator(path)
        names = [o.name for o in ev.proto_.graph.output]
        return "onnx.reference", lambda feeds: dict(zip(names, ev.run(None, feeds)))
    except ImportError:
        return "numpy", NumpyGraph(path).run
