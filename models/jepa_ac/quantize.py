"""Quantised copies of an exported model folder's graphs, written over the ONNX graph with the
``onnx`` package itself: onnxruntime's Python package (and so ``onnxruntime.quantization``) is not
installable here (no PyPI; Debian packages only python3-onnx), and python3-onnx 1.12 has no
quantiser. The rewrite is small and does exactly what onnxruntime's dynamic quantiser does.

Precisions (the manifest's ``"precision"``):

- ``int8``: every MatMul whose second input is a 2-D float initializer W [K, N] (the linear
  layers; attention's activation x activation products stay fp32) becomes

      DynamicQuantizeLinear(x) -> x_q (uint8), x_scale, x_zero
      MatMulInteger(x_q, W_q, x_zero) -> int32      W_q int8, symmetric, one scale per output column
      Cast(float) * (x_scale * W_scale)  -> the MatMul's output (the bias Add after it unchanged)

  onnxruntime's CPU provider fuses that pattern into DynamicQuantizeMatMul (its u8s8 integer
  kernels, AVX-512 VNNI where the CPU has it). Activations are quantised per tensor per run: one
  scale over the whole candidate batch, so a candidate's energy moves slightly with the batch it
  is scored in (the ranking within one batch is what the planner uses). The exporters write the
  linear layers of the encoder and rollout graphs as MatMuls; Gemm (only in the goal readout and
  the subgoal proposer, which stay fp32) is left as it is.
- ``fp16-weights``: float initializers stored as float16 with a Cast to float32 before use;
  compute and the graphs' inputs and outputs stay fp32 (unlike ``fp16``, the GPU export whose
  tensors are float16: the CPU provider lacks most fp16 kernels). onnxruntime folds the Casts at
  session creation, so it halves the files, not the time.

``quantize_folder(dir, precision)`` writes ``<graph>-<precision>.onnx`` beside the fp32 graphs and
``manifest-<precision>.json`` (plan with it through ``--model DIR --precision <precision>``). With
``as_default`` (``--as-default``) the variant becomes the folder's default instead: its manifest is
written as ``manifest.json`` and the fp32 one kept as ``manifest-fp32.json`` (the shipped
sim-jepa-ac is made so: int8 by default, ``--precision fp32`` for the fp32 graphs). The fp32
manifest is the source either way (``manifest.json`` or, beside a quantised default,
``manifest-fp32.json``), so the command is repeatable and gives the same files. By default
only the rollout graphs are quantised: planning's time is spent there (the encoder runs once per
frame), and an fp32 encoder keeps the latents — and the goal latents — exact (``graphs="all"``
quantises the encoder too). The goal readout and the subgoal proposer stay fp32 and shared. The
fp32 parity fixture (``parity.json``) checks every precision, with ``PARITY_TOLERANCE[precision]``.

CLI (repository root, Debian's interpreter): ``/usr/bin/python3 -m models.jepa_ac.quantize
--model DIR --precision int8 [--as-default]`` (``export.py --quantize int8`` and ``models.vjepa2.export
--quantize int8`` run it after exporting). Any folder of the contract works: the rewrite only
looks for MatMuls on 2-D float initializers.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..contract.constants import ENERGY, IMAGE, LATENTS, MANIFEST_FILE, PREDICTED, ROLLOUT_INPUTS
from ..contract.image import images_to_tensor
from ..contract.manifest import fp32_manifest_file, manifest_precision, variant_manifest_file, write_json
from .onnx_numpy import NumpyOnnx

INT8 = "int8"
FP16_WEIGHTS = "fp16-weights"
PRECISIONS = (INT8, FP16_WEIGHTS)
# The parity fixture's tolerance per precision (max abs difference from the PyTorch fp32 outputs
# on the fixture's inputs; latents are LayerNormed, ~1 per channel). Measured on test-tiny and
# sim-jepa-ac: int8 up to 2.6e-2 on latents (encoder quantised), 3.7e-3 on energies; fp16 weights
# 1.3e-3 on latents.
PARITY_TOLERANCE = {"fp32": 1e-4, FP16_WEIGHTS: 5e-3, INT8: 5e-2}
INT8_MAX = 127  # symmetric: [-127, 127], zero point 0


def quantize_weight(w: np.ndarray) -> tuple:
    """W [K, N] float -> (W_q int8 [K, N], scale float32 [N]): per output column, symmetric."""
    amax = np.abs(w).max(axis=0)
    scale = np.where(amax > 0, amax / INT8_MAX, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -INT8_MAX, INT8_MAX).astype(np.int8)
    return q, scale


def _unique(name: str, taken: set) -> str:
    out, i = name, 1
    while out in taken:
        out, i = f"{name}_{i}", i + 1
    taken.add(out)
    return out


def _strip_value_info(model: onnx.ModelProto) -> None:
    """Drops intermediate value_info: the rewrite changes element types under some names."""
    del model.graph.value_info[:]


def _prune(g: onnx.GraphProto) -> None:
    """Removes Identity nodes and initializers nothing uses any more (the exporter shares a weight
    between the rollout's predictor steps through Identity nodes)."""
    while True:
        used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
        dead = [n for n in g.node if n.op_type == "Identity" and n.output[0] not in used]
        if not dead:
            break
        for n in dead:
            g.node.remove(n)
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    kept = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(kept)


def quantize_int8(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` with its weight MatMuls rewritten to dynamic int8 (module docstring)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    inits = {t.name: t for t in g.initializer}
    # Identity(initializer) outputs stand for the initializer (weights shared between steps).
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
    taken = {t.name for t in g.initializer} | {o for n in g.node for o in n.output} | {i.name for i in g.input}
    quantized_input: Dict[str, tuple] = {}  # activation -> (x_q, x_scale, x_zero): one DynamicQuantizeLinear each
    quantized_weight: Dict[str, tuple] = {}  # initializer -> (W_q name, scale name): one int8 copy each
    new_nodes: List[onnx.NodeProto] = []
    for n in g.node:
        w_name = alias.get(n.input[1], n.input[1]) if n.op_type == "MatMul" else None
        w = inits.get(w_name) if w_name else None
        if w_name is None or w is None or len(w.dims) != 2 or w.data_type != TensorProto.FLOAT:
            new_nodes.append(n)
            continue
        x = n.input[0]
        base = n.name or n.output[0]
        if x not in quantized_input:
            names = tuple(_unique(f"{x}_{s}", taken) for s in ("quantized", "scale", "zero_point"))
            new_nodes.append(helper.make_node("DynamicQuantizeLinear", [x], list(names), name=_unique(f"{base}/DynamicQuantizeLinear", taken)))
            quantized_input[x] = names
        x_q, x_scale, x_zero = quantized_input[x]
        if w_name not in quantized_weight:
            q, scale = quantize_weight(numpy_helper.to_array(w))
            quantized_weight[w_name] = (_unique(f"{w_name}_int8", taken), _unique(f"{w_name}_scale", taken))
            g.initializer.extend([numpy_helper.from_array(q, quantized_weight[w_name][0]), numpy_helper.from_array(scale, quantized_weight[w_name][1])])
        wq_name, ws_name = quantized_weight[w_name]
        acc, acc_f, both = (_unique(f"{base}/{s}", taken) for s in ("int32", "float", "scale"))
        new_nodes += [
            helper.make_node("MatMulInteger", [x_q, wq_name, x_zero], [acc], name=_unique(f"{base}/MatMulInteger", taken)),
            helper.make_node("Cast", [acc], [acc_f], to=TensorProto.FLOAT, name=_unique(f"{base}/Cast", taken)),
            helper.make_node("Mul", [x_scale, ws_name], [both], name=_unique(f"{base}/ScaleMul", taken)),
            helper.make_node("Mul", [acc_f, both], [n.output[0]], name=_unique(f"{base}/Dequantize", taken)),
        ]
    del g.node[:]
    g.node.extend(new_nodes)
    _prune(g)
    _strip_value_info(out)
    onnx.checker.check_model(out)
    return out


def fp16_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` with its float initializers of more than one element stored as float16
    and cast back to float32 by a Cast node at the graph's start."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    taken = {t.name for t in g.initializer} | {o for n in g.node for o in n.output} | {i.name for i in g.input}
    casts: List[onnx.NodeProto] = []
    kept: List[onnx.TensorProto] = []
    for t in g.initializer:
        if t.data_type != TensorProto.FLOAT or int(np.prod(t.dims)) <= 1:
            kept.append(t)
            continue
        half = _unique(f"{t.name}_fp16", taken)
        kept.append(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), half))
        casts.append(helper.make_node("Cast", [half], [t.name], to=TensorProto.FLOAT, name=_unique(f"{t.name}/Cast", taken)))
    del g.initializer[:]
    g.initializer.extend(kept)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    _strip_value_info(out)
    onnx.checker.check_model(out)
    return out


def quantize_model(model: onnx.ModelProto, precision: str) -> onnx.ModelProto:
    """``model`` rewritten to ``precision`` (one of PRECISIONS)."""
    if precision == INT8:
        return quantize_int8(model)
    if precision == FP16_WEIGHTS:
        return fp16_weights(model)
    raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")


def variant_file(file: str, precision: str) -> str:
    """``rollout-h1.onnx`` -> ``rollout-h1-int8.onnx``."""
    stem, ext = os.path.splitext(file)
    return f"{stem}-{precision}{ext}"


def weight_stats(model: onnx.ModelProto) -> Dict[str, int]:
    """Initializer bytes by element type (``{"FLOAT": ..., "INT8": ...}``)."""
    stats: Dict[str, int] = {}
    for t in model.graph.initializer:
        kind = TensorProto.DataType.Name(t.data_type)
        stats[kind] = stats.get(kind, 0) + numpy_helper.to_array(t).nbytes
    return stats


def check_parity(folder: str, manifest_file: str) -> Dict[str, float]:
    """Max abs differences between the graphs ``manifest_file`` names (run by the package's NumPy
    evaluator) and the folder's fp32 PyTorch fixture (parity.json) on the fixture's inputs. The
    encoder is checked where it was quantised (and takes one NCHW frame); an fp32 encoder's parity
    is the exporter's check."""
    with open(os.path.join(folder, manifest_file), encoding="utf-8") as f:
        manifest = json.load(f)
    with open(os.path.join(folder, "parity.json"), encoding="utf-8") as f:
        fixture = json.load(f)
    tokens, dim = fixture["tokens"], fixture["dim"]

    def image(entry: dict) -> np.ndarray:
        raw = np.frombuffer(base64.b64decode(entry["base64"]), dtype=np.uint8).reshape(entry["height"], entry["width"], 3).copy()
        return images_to_tensor(raw[None]).numpy()

    report: Dict[str, float] = {}
    from ..vjepa2.onnx_io import NumpyGraph  # NumpyOnnx plus the V-JEPA 2-AC pose update's operators

    if manifest["encoder"]["input"]["layout"] == "NCHW":
        encoder = NumpyOnnx(os.path.join(folder, manifest["encoder"]["file"]))
        z = encoder.run({IMAGE: image(fixture["image"])})[LATENTS]
        goal = encoder.run({IMAGE: image(fixture["goalImage"])})[LATENTS]
        report[LATENTS] = float(np.abs(z.reshape(-1) - np.array(fixture["latents"], np.float32)).max())
        report["goalLatents"] = float(np.abs(goal.reshape(-1) - np.array(fixture["goalLatents"], np.float32)).max())
    # The rollouts from the fixture's latents, so their difference is the rollout graph's own.
    z = np.array(fixture["latents"], np.float32).reshape(1, tokens, dim)
    goal = np.array(fixture["goalLatents"], np.float32).reshape(1, tokens, dim)
    state = np.array(fixture["state"], np.float32).reshape(1, -1)
    for entry, r in zip(manifest["rollout"], fixture["rollouts"]):
        h = r["horizon"]
        actions = np.array(r["actions"], np.float32).reshape(fixture["batch"], h, -1)
        out = NumpyGraph(os.path.join(folder, entry["file"])).run(dict(zip(ROLLOUT_INPUTS, (z, state, actions, goal))))
        report[f"h{h}:{ENERGY}"] = float(np.abs(out[ENERGY] - np.array(r["energy"], np.float32)).max())
        if "predicted" in r and PREDICTED in out:
            report[f"h{h}:{PREDICTED}"] = float(np.abs(out[PREDICTED].reshape(-1) - np.array(r["predicted"], np.float32)).max())
    return report


def quantize_folder(folder: str, precision: str, graphs: str = "rollout", check: bool = True, as_default: bool = False) -> dict:
    """Writes the ``precision`` variants of ``folder``'s rollout graphs (and encoder: ``graphs``
    "all") from its fp32 manifest, and their manifest: ``manifest-<precision>.json``, or with
    ``as_default`` (or where ``precision`` already is the folder's default) ``manifest.json``, the
    fp32 one then kept as ``manifest-fp32.json``. Returns a report (files, bytes, initializer
    bytes by type, MatMuls rewritten, the manifest written, and with ``check`` the variant's
    differences from the fp32 parity fixture)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if graphs not in ("all", "rollout"):
        raise ValueError(f"graphs must be 'all' or 'rollout', got {graphs!r}")
    try:
        source = fp32_manifest_file(folder)
    except ValueError as e:
        raise ValueError(f"{e}: quantise from an fp32 model") from None
    with open(os.path.join(folder, source), encoding="utf-8") as f:
        manifest = json.load(f)
    as_default = as_default or manifest_precision(folder) == precision
    targets = [r["file"] for r in manifest["rollout"]]
    if graphs == "all":
        if manifest["encoder"].get("externalData"):
            raise ValueError(f"{folder}: an encoder with external data is not quantised here (use graphs='rollout')")
        targets.insert(0, manifest["encoder"]["file"])
    report: dict = {"precision": precision, "graphs": {}}
    for file in targets:
        model = onnx.load(os.path.join(folder, file))
        q = quantize_model(model, precision)
        out = variant_file(file, precision)
        onnx.save(q, os.path.join(folder, out))
        report["graphs"][out] = {
            "bytes": os.path.getsize(os.path.join(folder, out)),
            "fp32Bytes": os.path.getsize(os.path.join(folder, file)),
            "initializerBytes": weight_stats(q),
            "matmulInteger": sum(1 for n in q.graph.node if n.op_type == "MatMulInteger"),
        }
    manifest["precision"] = precision
    manifest["description"] = (manifest.get("description", "") + f" Quantised: {precision} (models/jepa_ac/quantize.py).").strip()
    for file in targets:
        if file == manifest["encoder"]["file"]:
            manifest["encoder"]["file"] = variant_file(file, precision)
        for r in manifest["rollout"]:
            if r["file"] == file:
                r["file"] = variant_file(file, precision)
    written = variant_manifest_file(precision)
    if as_default:
        default = manifest_precision(folder)
        if default != precision:  # the old default (fp32, or another variant) moves aside, byte for byte
            shutil.copyfile(os.path.join(folder, MANIFEST_FILE), os.path.join(folder, variant_manifest_file(default)))
        written = MANIFEST_FILE
        stale = os.path.join(folder, variant_manifest_file(precision))
        if os.path.exists(stale):  # the default carries this precision now
            os.remove(stale)
    write_json(os.path.join(folder, written), manifest)
    report["manifest"] = written
    parity_path = os.path.join(folder, "parity.json")
    if check and os.path.exists(parity_path):
        report["parity"] = check_parity(folder, written)
        report["parityTolerance"] = PARITY_TOLERANCE[precision]
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Write int8 / fp16-weight variants of an exported model folder's graphs.")
    ap.add_argument("--model", required=True, help="an exported model folder with an fp32 manifest (manifest.json, or manifest-fp32.json beside a quantised default)")
    ap.add_argument("--precision", required=True, choices=PRECISIONS)
    ap.add_argument("--graphs", choices=("all", "rollout"), default="rollout", help="quantise only the rollouts (default) or the encoder too (all)")
    ap.add_argument("--no-parity", action="store_true", help="skip the NumPy check against parity.json (slow for full-size models)")
    ap.add_argument("--as-default", action="store_true",
                    help="make this precision the folder's default: its manifest becomes manifest.json, the fp32 one manifest-fp32.json")
    args = ap.parse_args(argv)
    print(json.dumps(quantize_folder(args.model, args.precision, args.graphs, check=not args.no_parity, as_default=args.as_default), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
