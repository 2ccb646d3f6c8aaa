"""ONNX plumbing of the jepa_ac graphs (world model, goal readout, subgoal proposer): trace a module
in memory with the contract's opset and constant folding, write readable output shapes, save
after the checker."""
from __future__ import annotations

import io
import warnings
from typing import List, Optional, Sequence

import onnx
import torch

from ..contract.constants import OPSET


def to_onnx(module: torch.nn.Module, args: tuple, inputs: List[str], outputs: List[str], dynamic: Optional[dict]) -> onnx.ModelProto:
    """Traces ``module`` on ``args`` to a ModelProto with those input/output names and dynamic axes."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about the shape checks in forward()
        torch.onnx.export(
            module,
            args,
            buf,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
        )
    return onnx.load_from_string(buf.getvalue())


def set_output_shape(model: onnx.ModelProto, name: str, dims: Sequence) -> None:
    """Writes a readable output shape (torch names inferred symbolic dims after the op)."""
    for out in model.graph.output:
        if out.name == name:
            shape = out.type.tensor_type.shape
            del shape.dim[:]
            for d in dims:
                dim = shape.dim.add()
                if isinstance(d, str):
                    dim.dim_param = d
                else:
                    dim.dim_value = d


def save_onnx(model: onnx.ModelProto, path: str) -> None:
    """Checks ``model`` and writes it to ``path``."""
    onnx.checker.check_model(model)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
