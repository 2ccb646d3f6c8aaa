"""The shipped sim model's PyTorch weights are the ones its ONNX files were exported from: the
parity fixtures regenerated from ``weights.pt`` and ``readout.pt`` match the committed ones (the
TypeScript tests check the ONNX files of every precision against the same fixtures, each with its
tolerance). sim-jepa-ac plans with int8 rollouts by default: its ``manifest.json`` and int8 graphs
are what ``quantize.py --as-default`` writes from the fp32 ones it keeps (``manifest-fp32.json``).
Run from the repository root:

    /usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import unittest

import numpy as np

from models.contract.manifest import folder_manifests, fp32_manifest_file, manifest_dict
from models.jepa_ac.export import load_weights, parity_fixture
from models.jepa_ac.proposer_files import load_proposer, proposer_parity
from models.jepa_ac.quantize import PARITY_TOLERANCE, check_parity, quantize_folder
from models.jepa_ac.readout import load_readout, readout_parity

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIM = os.path.join(ROOT, "models", "sim-jepa-ac")
# The two-view (front, wrist) model shipped beside it.
SIM_WRIST = os.path.join(ROOT, "models", "sim-jepa-ac-wrist")
# The fixtures are float64 forwards rounded to float32; a regenerated one differs by rounding only.
TOLERANCE = 1e-6


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def max_diff(a, b) -> float:
    return float(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)).max())


class ShippedSimModelTest(unittest.TestCase):
    SIM = SIM
    def test_weights_reproduce_the_parity_fixture(self):
        encoder, predictor, _ = load_weights(os.path.join(self.SIM, "weights.pt"))
        committed = read_json(os.path.join(self.SIM, "parity.json"))
        manifest = read_json(os.path.join(self.SIM, fp32_manifest_file(self.SIM)))
        horizons = [r["horizon"] for r in manifest["rollout"]]
        predicted = [r["horizon"] for r in manifest["rollout"] if r.get("outputsPredicted")]
        fresh = parity_fixture(encoder, predictor, horizons, predicted)
        self.assertEqual(fresh["image"], committed["image"])
        self.assertLess(max_diff(fresh["latents"], committed["latents"]), TOLERANCE)
        self.assertLess(max_diff(fresh["goalLatents"], committed["goalLatents"]), TOLERANCE)
        self.assertEqual([r["horizon"] for r in fresh["rollouts"]], [r["horizon"] for r in committed["rollouts"]])
        for f, c in zip(fresh["rollouts"], committed["rollouts"]):
            self.assertLess(max_diff(f["energy"], c["energy"]), TOLERANCE, f"h{f['horizon']}")
            self.assertEqual("predicted" in f, "predicted" in c)
            if "predicted" in f:
                self.assertLess(max_diff(f["predicted"], c["predicted"]), TOLERANCE, f"h{f['horizon']}")

    def test_readout_weights_reproduce_the_readout_fixture(self):
        fresh = readout_parity(load_readout(os.path.join(self.SIM, "readout.pt")))
        committed = read_json(os.path.join(self.SIM, "readout-parity.json"))
        self.assertEqual(fresh["images"], committed["images"])
        self.assertLess(max_diff(fresh["gripper"], committed["gripper"]), TOLERANCE)

    def test_proposer_weights_reproduce_the_proposer_fixture(self):
        model, names = load_proposer(os.path.join(self.SIM, "proposer.pt"))
        for file in folder_manifests(self.SIM):  # every precision plans with the one proposer
            self.assertEqual(names, read_json(os.path.join(self.SIM, file))["subgoalProposer"]["stages"], file)
        fresh = proposer_parity(model)
        committed = read_json(os.path.join(self.SIM, "proposer-parity.json"))
        for key in ("latents", "goal", "state"):
            self.assertEqual(fresh[key], committed[key])
        self.assertLess(max_diff(fresh["subgoals"], committed["subgoals"]), TOLERANCE)
        self.assertLess(max_diff(fresh["grippers"], committed["grippers"]), TOLERANCE)

    def test_export_writes_the_shipped_manifest(self):
        # The card's export command (--planning planning.json --subgoals waypoints, trained on
        # shadowed frames) writes the shipped manifest, goalReadout and subgoalProposer aside
        # (readout.py and proposer.py add them) and the rollouts' FLOP counts (flops.py adds
        # them; test_flops.py checks them).
        encoder, _, _ = load_weights(os.path.join(self.SIM, "weights.pt"))
        shipped = read_json(os.path.join(self.SIM, fp32_manifest_file(self.SIM)))
        rollouts = [(r["file"], r["horizon"], r["outputsPredicted"]) for r in shipped["rollout"]]
        enc = encoder.cfg
        written = manifest_dict(shipped["name"], shipped["description"], image_size=enc.image_size, tokens=enc.num_tokens, dim=enc.dim,
                                rollouts=rollouts, planning=shipped["planning"], shadows=True, subgoals="waypoints", views=enc.views)
        shipped.pop("goalReadout")
        shipped.pop("subgoalProposer")
        for r in shipped["rollout"]:
            r.pop("matmulFlopsPerCandidate")
        self.assertEqual(written, shipped)
        with self.assertRaises(ValueError):
            manifest_dict("m", "", image_size=enc.image_size, tokens=enc.num_tokens, dim=enc.dim, rollouts=rollouts, subgoals="three")

    def test_every_precision_is_within_its_tolerance_of_the_pytorch_fixture(self):
        # The fixture is the fp32 PyTorch forward (checked against weights.pt above); each manifest's
        # graphs, run by the NumPy evaluator, stay within their precision's tolerance of it.
        for file in folder_manifests(self.SIM):
            precision = read_json(os.path.join(self.SIM, file)).get("precision", "fp32")
            report = check_parity(self.SIM, file)
            self.assertLess(max(report.values()), PARITY_TOLERANCE[precision], f"{file} ({precision}): {report}")


class ShippedDefaultPrecisionTest(unittest.TestCase):
    """sim-jepa-ac's default precision is int8 (rollouts; the encoder, readout and proposer fp32)."""

    def test_manifest_json_is_int8_and_the_fp32_one_is_kept(self):
        default = read_json(os.path.join(SIM, "manifest.json"))
        fp32 = read_json(os.path.join(SIM, "manifest-fp32.json"))
        self.assertEqual(default["precision"], "int8")
        self.assertEqual(fp32["precision"], "fp32")
        self.assertEqual([r["file"] for r in default["rollout"]], ["rollout-h1-int8.onnx", "rollout-h3-int8.onnx"])
        self.assertEqual([r["file"] for r in fp32["rollout"]], ["rollout-h1.onnx", "rollout-h3.onnx"])
        self.assertEqual(default["encoder"], fp32["encoder"])  # the encoder stays fp32 (int8 measured worse)
        for key in ("planning", "goalReadout", "subgoalProposer", "simulator", "state", "action"):
            self.assertEqual(default[key], fp32[key], key)
        self.assertEqual(folder_manifests(SIM), ["manifest.json", "manifest-fp32.json"])
        for file in ("encoder.onnx", "rollout-h1.onnx", "rollout-h3.onnx", "rollout-h1-int8.onnx", "rollout-h3-int8.onnx"):
            self.assertTrue(os.path.isfile(os.path.join(SIM, file)), file)

    def test_the_shipped_default_is_what_quantize_as_default_writes(self):
        # models/README.md's command, rerun on a copy of the fp32 files: the same bytes.
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copyfile(os.path.join(SIM, "manifest-fp32.json"), os.path.join(tmp, "manifest.json"))
            for file in ("rollout-h1.onnx", "rollout-h3.onnx"):
                shutil.copyfile(os.path.join(SIM, file), os.path.join(tmp, file))
            quantize_folder(tmp, "int8", check=False, as_default=True)
            self.assertEqual(sorted(f for f in os.listdir(tmp) if f.startswith("manifest")), ["manifest-fp32.json", "manifest.json"])
            for file in ("manifest.json", "manifest-fp32.json", "rollout-h1-int8.onnx", "rollout-h3-int8.onnx"):
                with open(os.path.join(tmp, file), "rb") as a, open(os.path.join(SIM, file), "rb") as b:
                    self.assertTrue(a.read() == b.read(), f"{file} differs from the shipped one")


@unittest.skipUnless(os.path.isdir(SIM_WRIST), "no two-view model shipped")
class ShippedWristModelTest(ShippedSimModelTest):
    """The same checks for the two-view model."""

    SIM = SIM_WRIST


if __name__ == "__main__":
    unittest.main()
