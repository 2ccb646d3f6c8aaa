"""Matrix-multiply FLOPs of an exported graph, counted from the ONNX file itself.

``matmul_flops(path, batch)`` fixes every symbolic input dimension to ``batch``, runs the graph on
zeros and sums 2·M·K·N over every MatMul/Gemm (batched dimensions multiplied in). A rollout
graph's work per candidate is F(2) − F(1) (what is shared — the current and goal latents'
projection — cancels). ``jepa-mpc bench`` divides it by the measured time to print the rollout's
GFLOP/s; the exporters write it into each manifest rollout entry as ``matmulFlopsPerCandidate``.

    /usr/bin/python3 -m models.flops models/sim-jepa-ac          # print per rollout graph
    /usr/bin/python3 -m models.flops models/sim-jepa-ac --write  # and write it into its manifests

The count is the fp32 graphs' (the folder's fp32 manifest, ``manifest-fp32.json`` beside a
quantised default): a quantised variant does the same work (fp32-equivalent FLOPs), and its
integer MatMuls are not counted here; ``--write`` stores it in every manifest of the folder.
"""
import argparse
import json
import math
import os
import sys
from typing import List, Optional, Sequence

import numpy as np
import onnx

from .contract.manifest import folder_manifests, fp32_manifest_file
from .jepa_ac.onnx_numpy import NumpyOnnx

MATMUL_OPS = ("MatMul", "Gemm")


def matmul_flops(path: str, batch: int = 1, evaluator: type = NumpyOnnx) -> int:
    """Sum of 2·M·K·N over the graph's MatMul/Gemm nodes with every symbolic input dimension = batch.
    The shapes come from running the graph on zeros with the project's NumPy evaluator (ONNX 1.12's
    shape inference cannot follow the Shape → Expand chains of the rollout graphs)."""
    model = onnx.load(path)
    feeds = {}
    for value in model.graph.input:
        t = value.type.tensor_type
        dims = [d.dim_value if d.dim_value > 0 else batch for d in t.shape.dim]
        feeds[value.name] = np.zeros(dims, dtype=onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t.elem_type])
    nodes = [n for n in model.graph.node if n.op_type in MATMUL_OPS]
    names = sorted({n.input[0] for n in nodes} | {n.output[0] for n in nodes})
    env = evaluator(model).run(feeds, names)
    total = 0
    for node in nodes:
        a, out = env[node.input[0]].shape, env[node.output[0]].shape
        trans_a = any(att.name == "transA" and att.i == 1 for att in node.attribute)
        k = a[-2] if (node.op_type == "Gemm" and trans_a) else a[-1]
        total += 2 * math.prod(out) * k
    return total


def per_candidate(path: str) -> int:
    """MatMul FLOPs each extra candidate adds to one call of a rollout graph."""
    return matmul_flops(path, 2) - matmul_flops(path, 1)


def annotate_manifest(model_dir: str, write: bool) -> List[dict]:
    """Counts every rollout graph of a model folder's fp32 manifest; with ``write`` stores each
    count in every manifest of the folder (matched by horizon). Returns the fp32 rollout entries."""
    with open(os.path.join(model_dir, fp32_manifest_file(model_dir))) as f:
        rollout = json.load(f)["rollout"]
    for entry in rollout:
        entry["matmulFlopsPerCandidate"] = per_candidate(os.path.join(model_dir, entry["file"]))
    if write:
        flops = {entry["horizon"]: entry["matmulFlopsPerCandidate"] for entry in rollout}
        for file in folder_manifests(model_dir):
            manifest_path = os.path.join(model_dir, file)
            with open(manifest_path) as f:
                manifest = json.load(f)
            for entry in manifest["rollout"]:
                entry["matmulFlopsPerCandidate"] = flops[entry["horizon"]]
            with open(manifest_path, "w") as f:
                json.dump(manifest, f, indent=2)
                f.write("\n")
    return rollout


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model_dir")
    p.add_argument("--write", action="store_true", help="store matmulFlopsPerCandidate in every manifest of the folder")
    args = p.parse_args(argv)
    for entry in annotate_manifest(args.model_dir, args.write):
        print(f"{entry['file']}: horizon {entry['horizon']}, {entry['matmulFlopsPerCandidate'] / 1e6:.3f} MFLOP per candidate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
