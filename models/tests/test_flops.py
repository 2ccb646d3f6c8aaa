"""models/flops.py: MatMul FLOPs counted from ONNX files, and the counts the shipped manifests carry."""
import json
import os
import tempfile
import unittest

import onnx
from onnx import TensorProto, helper

from models.contract.manifest import folder_manifests
from models.flops import annotate_manifest, matmul_flops, per_candidate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _graph(path: str) -> None:
    """X [B, 4, 8] · W [8, 16] → Y, then Y [B, 4, 16] · Yᵀ-shaped Z [B, 16, 4] → O [B, 4, 4]."""
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, ["B", 4, 8])
    z = helper.make_tensor_value_info("Z", TensorProto.FLOAT, ["B", 16, 4])
    o = helper.make_tensor_value_info("O", TensorProto.FLOAT, ["B", 4, 4])
    w = helper.make_tensor("W", TensorProto.FLOAT, [8, 16], [0.0] * 128)
    nodes = [helper.make_node("MatMul", ["X", "W"], ["Y"]), helper.make_node("MatMul", ["Y", "Z"], ["O"])]
    model = helper.make_model(helper.make_graph(nodes, "g", [x, z], [o], [w]), opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)


class FlopsTest(unittest.TestCase):
    def test_counts_2mkn_per_matmul_with_batch_dimensions(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "g.onnx")
            _graph(path)
            per = 2 * 4 * 16 * 8 + 2 * 4 * 4 * 16
            self.assertEqual(matmul_flops(path, 1), per)
            self.assertEqual(matmul_flops(path, 3), 3 * per)
            self.assertEqual(per_candidate(path), per)

    def test_shipped_manifests_carry_their_graphs_counts(self):
        # Every precision's manifest carries the fp32 graphs' count (fp32-equivalent FLOPs).
        for name in ("sim-jepa-ac", "test-tiny"):
            folder = os.path.join(ROOT, "models", name)
            counted = [r["matmulFlopsPerCandidate"] for r in annotate_manifest(folder, write=False)]
            for file in folder_manifests(folder):
                with open(os.path.join(folder, file)) as f:
                    stored = [r["matmulFlopsPerCandidate"] for r in json.load(f)["rollout"]]
                self.assertEqual(stored, counted, f"{name}/{file}")


if __name__ == "__main__":
    unittest.main()
