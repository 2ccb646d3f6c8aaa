"""The quantising rewrite (models/jepa_ac/quantize.py) on the tiny test model (and its two-view twin): the int8 graphs hold
int8 weights and integer MatMuls, compute what the fp32 graphs compute within the precision's
tolerance, and their manifests record the precision. Run from the repository root:

    /usr/bin/python3 -m unittest models.tests.test_quantize
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.jepa_ac.export import main as export_main
from models.jepa_ac.onnx_numpy import NumpyOnnx
from models.jepa_ac.quantize import FP16_WEIGHTS, INT8, PARITY_TOLERANCE, check_parity, quantize_folder, quantize_int8, quantize_weight

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_TINY = os.path.join(ROOT, "models", "test-tiny")
# Its two-view twin (front and wrist side by side: a 64 x 128 encoder input, 2 x 16 tokens).
TEST_TINY_WRIST = os.path.join(ROOT, "models", "test-tiny-wrist")


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


class QuantizeWeightTest(unittest.TestCase):
    def test_per_column_symmetric_scale(self):
        w = np.array([[1.0, -0.5, 0.0], [-2.0, 0.25, 0.0]], dtype=np.float32)
        q, scale = quantize_weight(w)
        self.assertEqual(q.dtype, np.int8)
        np.testing.assert_allclose(scale, [2.0 / 127, 0.5 / 127, 1.0], rtol=1e-6)  # an all-zero column keeps scale 1
        self.assertEqual(q[1, 0], -127)
        self.assertEqual(q[0, 1], -127)
        self.assertTrue((q[:, 2] == 0).all())

    def test_error_is_at_most_half_a_step(self):
        w = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)
        q, scale = quantize_weight(w)
        self.assertLessEqual(float(np.abs(q.astype(np.float32) * scale - w).max()), float(scale.max()) / 2 + 1e-7)
        self.assertLessEqual(int(np.abs(q.astype(np.int32)).max()), 127)


class Int8RewriteTest(unittest.TestCase):
    def test_one_matmul_becomes_the_integer_pattern(self):
        g = np.random.default_rng(1)
        w = g.standard_normal((8, 4)).astype(np.float32)
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
            "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 8])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5, 4])],
            [numpy_helper.from_array(w, "w")],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        q = quantize_int8(model)
        self.assertEqual([n.op_type for n in q.graph.node], ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"])
        self.assertEqual({TensorProto.DataType.Name(t.data_type) for t in q.graph.initializer}, {"INT8", "FLOAT"})
        self.assertNotIn("w", {t.name for t in q.graph.initializer})  # the fp32 weight is gone
        x = g.standard_normal((5, 8)).astype(np.float32)
        y = NumpyOnnx(q).run({"x": x})["y"]
        np.testing.assert_allclose(y, x @ w, atol=0.05 * float(np.abs(x @ w).max()))


class QuantizedTinyModelTest(unittest.TestCase):
    """The committed test-tiny int8 variant (make_test_model writes it)."""

    def test_manifest_records_the_precision_and_the_variant_files(self):
        m = read_json(os.path.join(TEST_TINY, "manifest-int8.json"))
        fp32 = read_json(os.path.join(TEST_TINY, "manifest.json"))
        self.assertEqual(fp32["precision"], "fp32")
        self.assertEqual(m["precision"], INT8)
        self.assertEqual(m["encoder"]["file"], "encoder.onnx")  # by default only the rollouts are quantised
        self.assertEqual([r["file"] for r in m["rollout"]], ["rollout-h1-int8.onnx", "rollout-h3-int8.onnx"])
        self.assertEqual(m["goalReadout"], fp32["goalReadout"])  # readout and proposer stay fp32, shared

    def test_weights_are_really_int8(self):
        for file in ("rollout-h1-int8.onnx", "rollout-h3-int8.onnx"):
            model = onnx.load(os.path.join(TEST_TINY, file))
            inits = {t.name: t for t in model.graph.initializer}
            ops = [n.op_type for n in model.graph.node]
            self.assertGreater(ops.count("MatMulInteger"), 0, file)
            for n in model.graph.node:
                if n.op_type == "MatMul":  # only attention's activation x activation products stay float
                    self.assertFalse(any(i in inits for i in n.input), f"{file}: {n.name} still has a float weight")
                if n.op_type == "MatMulInteger":
                    self.assertEqual(inits[n.input[1]].data_type, TensorProto.INT8, f"{file}: {n.name}")
        # h3 shares one int8 copy of each weight between its three predictor steps
        h1 = sum(numpy_helper.to_array(t).nbytes for t in onnx.load(os.path.join(TEST_TINY, "rollout-h1-int8.onnx")).graph.initializer if t.data_type == TensorProto.INT8)
        h3 = sum(numpy_helper.to_array(t).nbytes for t in onnx.load(os.path.join(TEST_TINY, "rollout-h3-int8.onnx")).graph.initializer if t.data_type == TensorProto.INT8)
        self.assertEqual(h1, h3)

    def test_outputs_within_tolerance_of_the_pytorch_fixture(self):
        report = check_parity(TEST_TINY, "manifest-int8.json")
        for key in ("h1:energy", "h3:energy"):
            self.assertLess(report[key], PARITY_TOLERANCE[INT8], key)
        self.assertGreater(report["h1:predicted"], 1e-4)  # it really is quantised
        self.assertLess(report["latents"], PARITY_TOLERANCE["fp32"])  # the encoder stays fp32
        fp32 = check_parity(TEST_TINY, "manifest.json")
        self.assertLess(max(fp32.values()), PARITY_TOLERANCE["fp32"])

    def test_int8_ranks_candidates_like_fp32(self):
        g = np.random.default_rng(3)
        fixture = read_json(os.path.join(TEST_TINY, "parity.json"))
        z = np.array(fixture["latents"], np.float32).reshape(1, 16, 64)
        goal = np.array(fixture["goalLatents"], np.float32).reshape(1, 16, 64)
        state = np.array(fixture["state"], np.float32).reshape(1, 7)
        actions = (g.uniform(-1, 1, (100, 1, 7)) * [0.075, 0.075, 0.075, 0.05, 0.05, 0.05, 0.75]).astype(np.float32)
        feeds = {"latents": z, "state": state, "actions": actions, "goal": goal}
        e32 = NumpyOnnx(os.path.join(TEST_TINY, "rollout-h1.onnx")).run(feeds)["energy"]
        e8 = NumpyOnnx(os.path.join(TEST_TINY, "rollout-h1-int8.onnx")).run(feeds)["energy"]
        self.assertGreater(spearman(e32, e8), 0.95)  # random weights: energies within ~0.01 of each other


class TwoViewQuantizeTest(unittest.TestCase):
    def test_a_two_view_folder_quantises_encoder_and_rollouts(self):
        # sim-jepa-ac-wrist's case (issue 32): the rollouts take 32 tokens, the encoder the 64 x 128
        # pair; both rewritten (graphs "all"), both within int8's tolerance of the fp32 fixture.
        with tempfile.TemporaryDirectory() as tmp:
            for f in ("manifest.json", "encoder.onnx", "rollout-h1.onnx", "rollout-h3.onnx", "parity.json"):
                shutil.copy(os.path.join(TEST_TINY_WRIST, f), tmp)
            report = quantize_folder(tmp, INT8, graphs="all")
            m = read_json(os.path.join(tmp, "manifest-int8.json"))
            self.assertEqual(m["encoder"]["input"]["views"], ["front", "wrist"])
            self.assertEqual(m["encoder"]["file"], "encoder-int8.onnx")
            self.assertEqual(m["encoder"]["output"]["tokens"], 32)
            for file in ("encoder-int8.onnx", "rollout-h1-int8.onnx", "rollout-h3-int8.onnx"):
                self.assertGreater(report["graphs"][file]["matmulInteger"], 0, file)
            for key in ("latents", "goalLatents", "h1:energy", "h3:energy"):
                self.assertLess(report["parity"][key], PARITY_TOLERANCE[INT8], key)
            self.assertGreater(report["parity"]["latents"], 1e-5)  # the encoder really is rewritten


class ExportQuantizeTest(unittest.TestCase):
    def test_export_flag_writes_both_precisions(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "m")
            export_main(["--weights", os.path.join(TEST_TINY, "weights.pt"), "--out", out, "--name", "t", "--horizons", "1",
                         "--no-parity", "--quantize", "int8", "fp16", "--quantize-graphs", "all"])
            self.assertEqual(read_json(os.path.join(out, "manifest.json"))["precision"], "fp32")
            for precision in (INT8, FP16_WEIGHTS):
                m = read_json(os.path.join(out, f"manifest-{precision}.json"))
                self.assertEqual(m["precision"], precision)
                self.assertEqual(m["encoder"]["file"], f"encoder-{precision}.onnx")  # --quantize-graphs all
                self.assertEqual(m["rollout"][0]["file"], f"rollout-h1-{precision}.onnx")
            half = onnx.load(os.path.join(out, "rollout-h1-fp16-weights.onnx"))
            kinds = {TensorProto.DataType.Name(t.data_type) for t in half.graph.initializer if len(t.dims) == 2}
            self.assertEqual(kinds, {"FLOAT16"})
            for precision in (INT8, FP16_WEIGHTS):
                report = check_parity(out, f"manifest-{precision}.json")
                for key in ("latents", "goalLatents", "h1:energy"):
                    self.assertLess(report[key], PARITY_TOLERANCE[precision], f"{precision} {key}")
                self.assertGreater(report["latents"], 1e-5, precision)  # the encoder really is rewritten

    def test_as_default_makes_the_variant_manifest_json_and_keeps_the_fp32_one(self):
        with tempfile.TemporaryDirectory() as tmp:
            for f in ("manifest.json", "encoder.onnx", "rollout-h1.onnx", "rollout-h3.onnx", "parity.json", "readout.onnx", "proposer.onnx"):
                shutil.copy(os.path.join(TEST_TINY, f), tmp)
            report = quantize_folder(tmp, INT8, as_default=True)
            self.assertEqual(report["manifest"], "manifest.json")
            self.assertLess(report["parity"]["h1:energy"], PARITY_TOLERANCE[INT8])
            manifests = sorted(f for f in os.listdir(tmp) if f.startswith("manifest"))
            self.assertEqual(manifests, ["manifest-fp32.json", "manifest.json"])  # no manifest-int8.json: the default is int8
            with open(os.path.join(tmp, "manifest-fp32.json"), "rb") as a, open(os.path.join(TEST_TINY, "manifest.json"), "rb") as b:
                self.assertEqual(a.read(), b.read())  # the fp32 manifest moved aside byte for byte
            default = read_json(os.path.join(tmp, "manifest.json"))
            self.assertEqual(default, read_json(os.path.join(TEST_TINY, "manifest-int8.json")))  # what the plain command writes
            snapshot = {f: open(os.path.join(tmp, f), "rb").read() for f in os.listdir(tmp)}
            # Rerun, with or without the flag: the fp32 manifest is the source, the same files come out.
            for as_default in (True, False):
                self.assertEqual(quantize_folder(tmp, INT8, check=False, as_default=as_default)["manifest"], "manifest.json")
                self.assertEqual({f: open(os.path.join(tmp, f), "rb").read() for f in os.listdir(tmp)}, snapshot)
            # Another precision beside an int8 default is quantised from the kept fp32 manifest.
            self.assertEqual(quantize_folder(tmp, FP16_WEIGHTS, check=False)["manifest"], "manifest-fp16-weights.json")
            half = read_json(os.path.join(tmp, "manifest-fp16-weights.json"))
            self.assertEqual([r["file"] for r in half["rollout"]], ["rollout-h1-fp16-weights.onnx", "rollout-h3-fp16-weights.onnx"])
            self.assertEqual(half["description"].count("Quantised:"), 1)
            self.assertEqual(read_json(os.path.join(tmp, "manifest.json"))["precision"], INT8)

    def test_refuses_to_quantise_a_quantised_model(self):
        with tempfile.TemporaryDirectory() as tmp:
            for f in ("manifest.json",):
                shutil.copy(os.path.join(TEST_TINY, f), tmp)
            m = read_json(os.path.join(tmp, "manifest.json"))
            m["precision"] = INT8
            with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
                json.dump(m, f)
            with self.assertRaisesRegex(ValueError, "quantise from an fp32 model"):
                quantize_folder(tmp, INT8)
            with self.assertRaisesRegex(ValueError, "precision must be one of"):
                quantize_folder(tmp, "int4")


if __name__ == "__main__":
    unittest.main()
