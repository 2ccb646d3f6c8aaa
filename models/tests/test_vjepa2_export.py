"""Tests of strict checkpoint loading and the ONNX export of models/vjepa2, and of the committed
``models/vjepa2-tiny`` folder (byte-identical regeneration).

    /usr/bin/python3 -m unittest models.tests.test_vjepa2_export
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest
from dataclasses import replace

import torch

from models.contract.constants import MANIFEST_FORMAT, PAPER_PLANNING
from models.jepa_ac.quantize import PARITY_TOLERANCE
from models.vjepa2 import export as vexport
from models.vjepa2.checkpoint import CheckpointError, load_vjepa2, save_released_layout
from models.vjepa2.config import TINY
from models.vjepa2.make_tiny import generate, tiny_networks

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMITTED = os.path.join(ROOT, "models", "vjepa2-tiny")
FP32_TOLERANCE = 1e-5
FP16_TOLERANCE = 2e-2


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vjepa2-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.ckpt = os.path.join(self.dir, "vjepa2-ac-tiny.pt")
        self.encoder, self.predictor = tiny_networks()
        save_released_layout(self.ckpt, self.encoder, self.predictor)

    def write(self, obj, name="bad.pt") -> str:
        path = os.path.join(self.dir, name)
        torch.save(obj, path)
        return path

    def layout(self):
        return torch.load(self.ckpt)

    def assertRaisesMentioning(self, pattern: str, fn, *args, **kw):
        with self.assertRaises(CheckpointError) as ctx:
            fn(*args, **kw)
        self.assertRegex(str(ctx.exception), pattern)
        return str(ctx.exception)


class CheckpointTest(TempDirTest):
    def test_released_layout_loads_strictly_with_prefixes_stripped(self):
        raw = self.layout()
        self.assertTrue(all(k.startswith("module.backbone.") for k in raw["predictor"]))
        enc, pred, report = load_vjepa2(self.ckpt, TINY)
        for mine, loaded in ((self.encoder, enc), (self.predictor, pred)):
            for k, v in mine.state_dict().items():
                self.assertTrue(torch.equal(v, loaded.state_dict()[k]), k)
        self.assertEqual(report.extra, {"encoder": [], "predictor": []})
        self.assertEqual(report.ignored_entries, ["epoch", "target_encoder"])

    def test_missing_key_is_named(self):
        ck = self.layout()
        del ck["predictor"]["module.backbone.predictor_blocks.1.mlp.fc2.bias"]
        msg = self.assertRaisesMentioning(r"missing keys \(1\)", load_vjepa2, self.write(ck), TINY)
        self.assertIn("predictor_blocks.1.mlp.fc2.bias [32]", msg)
        self.assertIn("predictor state dict", msg)

    def test_wrong_shape_names_both_shapes(self):
        ck = self.layout()
        ck["encoder"]["module.backbone.blocks.0.attn.qkv.weight"] = torch.zeros(10, 64)
        msg = self.assertRaisesMentioning(r"wrong shape or type \(1\)", load_vjepa2, self.write(ck), TINY)
        self.assertIn("blocks.0.attn.qkv.weight: file [10, 64], expected [192, 64]", msg)

    def test_other_configuration_lists_every_mismatch(self):
        msg = self.assertRaisesMentioning(r"wrong shape", load_vjepa2, self.ckpt, replace(TINY, pred_dim=48, pred_heads=3))
        self.assertIn("predictor_embed.weight: file [32, 64], expected [48, 64]", msg)
        self.assertIn("... and", msg)  # long lists are cut

    def test_extra_keys_are_reported_not_fatal(self):
        ck = self.layout()
        ck["predictor"]["module.backbone.mask_token"] = torch.zeros(1, 1, 32)
        _, _, report = load_vjepa2(self.write(ck), TINY)
        self.assertEqual(report.extra["predictor"], ["mask_token"])

    def test_truncated_file(self):
        with open(self.ckpt, "rb") as f:
            data = f.read()
        path = os.path.join(self.dir, "truncated.pt")
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
        self.assertRaisesMentioning(r"not a readable PyTorch checkpoint \(truncated", load_vjepa2, path, TINY)

    def test_non_vjepa_files(self):
        self.assertRaisesMentioning(r"does not exist", load_vjepa2, os.path.join(self.dir, "nope.pt"), TINY)
        self.assertRaisesMentioning(r"holds a Tensor", load_vjepa2, self.write(torch.zeros(3)), TINY)
        other = self.write({"model": {"fc.weight": torch.zeros(2, 2)}, "epoch": 3})
        self.assertRaisesMentioning(r"not a V-JEPA 2-AC checkpoint: no 'encoder' / 'predictor' state dict \(top-level keys: \['epoch', 'model'\]\)", load_vjepa2, other, TINY)
        # a V-JEPA 2 video checkpoint (masked predictor, no action conditioning)
        ck = self.layout()
        ck["predictor"] = {"module.backbone.mask_tokens.0": torch.zeros(1, 1, 32), "module.backbone.predictor_embed.weight": torch.zeros(32, 64)}
        msg = self.assertRaisesMentioning(r"missing keys", load_vjepa2, self.write(ck), TINY)
        self.assertIn("action_encoder.weight", msg)
        self.assertIn("unexpected keys (1)", msg)


class ExportTest(TempDirTest):
    def export(self, out: str, **kw):
        kw.setdefault("horizons", [1, 2])
        return vexport.export_checkpoint(self.ckpt, out, "tiny", **kw)

    def test_export_writes_the_contract_and_matches_pytorch(self):
        out = os.path.join(self.dir, "model")
        report = self.export(out, predicted=[1], fp16=True)
        m = read_json(os.path.join(out, "manifest.json"))
        self.assertEqual(m["format"], MANIFEST_FORMAT)
        self.assertEqual(m["precision"], "fp32")
        self.assertEqual(m["encoder"]["input"]["layout"], "NCTHW")
        self.assertEqual(m["encoder"]["input"]["frames"], 2)
        self.assertEqual(m["encoder"]["input"]["resize"], "center-crop")
        self.assertEqual(m["encoder"]["externalData"], ["encoder.onnx.data"])
        self.assertEqual(m["encoder"]["output"], {"tokens": 16, "dim": 64, "layerNormed": True})
        self.assertEqual([(r["file"], r["horizon"]) for r in m["rollout"]], [("rollout-h1.onnx", 1), ("rollout-h2.onnx", 2)])
        self.assertEqual(m["planning"], PAPER_PLANNING)
        m16 = read_json(os.path.join(out, "manifest-fp16.json"))
        self.assertEqual(m16["precision"], "fp16")
        self.assertEqual(m16["encoder"]["externalData"], ["encoder-fp16.onnx.data"])
        for f in [m["encoder"]["file"], *m["encoder"]["externalData"], *(r["file"] for r in m["rollout"] + m16["rollout"])]:
            self.assertGreater(os.path.getsize(os.path.join(out, f)), 0, f)
        parity = report["parity"]
        for key, diff in parity.items():
            if key == "engine":
                continue
            with self.subTest(graph=key):
                self.assertLess(diff, FP16_TOLERANCE if "-fp16" in key else FP32_TOLERANCE)
        self.assertEqual(len([k for k in parity if k != "engine"]), 8)
        self.assertEqual(read_json(os.path.join(out, "export-report.json"))["checkpoint"]["ignoredEntries"], ["epoch", "target_encoder"])
        self.assertEqual([e for e in os.listdir(self.dir) if ".partial-" in e or ".old-" in e], [])

    def test_quantize_writes_int8_rollouts_beside_the_fp32_ones(self):
        out = os.path.join(self.dir, "model")
        report = self.export(out, predicted=[1], quantize=["int8"])
        m8 = read_json(os.path.join(out, "manifest-int8.json"))
        self.assertEqual(m8["precision"], "int8")
        self.assertEqual(m8["encoder"]["file"], "encoder.onnx")  # the encoder stays fp32 (external data, NCTHW)
        self.assertEqual([r["file"] for r in m8["rollout"]], ["rollout-h1-int8.onnx", "rollout-h2-int8.onnx"])
        graphs = report["quantized-int8"]["graphs"]
        self.assertGreater(graphs["rollout-h1-int8.onnx"]["matmulInteger"], 0)
        self.assertGreater(graphs["rollout-h1-int8.onnx"]["initializerBytes"]["INT8"], graphs["rollout-h1-int8.onnx"]["initializerBytes"]["FLOAT"])
        parity = report["quantized-int8"]["parity"]
        for key in ("h1:energy", "h2:energy"):
            self.assertLess(parity[key], PARITY_TOLERANCE["int8"], key)

    def test_failed_export_leaves_no_folder(self):
        ck = self.layout()
        del ck["encoder"]["module.backbone.norm.bias"]
        torch.save(ck, self.ckpt)
        out = os.path.join(self.dir, "model")
        with self.assertRaises(CheckpointError):
            self.export(out)
        self.assertEqual(sorted(os.listdir(self.dir)), ["vjepa2-ac-tiny.pt"])

    def test_failure_while_writing_cleans_up_and_keeps_the_old_folder(self):
        out = os.path.join(self.dir, "model")
        os.makedirs(out)
        with open(os.path.join(out, "keep.txt"), "w") as f:
            f.write("old")
        with self.assertRaises(vexport.ExportError):
            self.export(out)  # exists, no force
        original = vexport.parity_fixture

        def boom(*a, **k):
            raise RuntimeError("disk full")

        vexport.parity_fixture = boom
        try:
            with self.assertRaisesRegex(RuntimeError, "disk full"):
                self.export(out, force=True, check=False)
        finally:
            vexport.parity_fixture = original
        self.assertEqual(os.listdir(out), ["keep.txt"])
        self.assertEqual(sorted(os.listdir(self.dir)), ["model", "vjepa2-ac-tiny.pt"])

    def test_cli(self):
        out = os.path.join(self.dir, "cli-model")
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            rc = vexport.main(["--checkpoint", self.ckpt, "--out", out, "--config", "tiny", "--horizons", "1", "--no-parity"])
            self.assertEqual(rc, 0)
            self.assertEqual(json.loads(stdout.getvalue())["params"]["predictor"], 22080)
            rc = vexport.main(["--checkpoint", self.ckpt, "--out", out, "--config", "tiny"])
        self.assertEqual(rc, 2)
        self.assertRegex(stderr.getvalue(), r"error: .*already exists; pass --force")
        with contextlib.redirect_stderr(stderr):
            self.assertEqual(vexport.main(["--checkpoint", self.ckpt, "--out", out + "2", "--config", "tiny", "--horizons", "2"]), 2)
        self.assertIn("include 1", stderr.getvalue())


class CommittedTinyTest(unittest.TestCase):
    def test_regenerates_byte_identically(self):
        tmp = tempfile.mkdtemp(prefix="vjepa2-tiny-")
        self.addCleanup(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "vjepa2-tiny")
        generate(out, check=False)
        self.assertEqual(sorted(os.listdir(out)), sorted(os.listdir(COMMITTED)))
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name), "rb") as a, open(os.path.join(COMMITTED, name), "rb") as b:
                self.assertTrue(a.read() == b.read(), f"{name} differs: run /usr/bin/python3 -m models.vjepa2.make_tiny")
        total = sum(os.path.getsize(os.path.join(COMMITTED, n)) for n in os.listdir(COMMITTED))
        self.assertLess(total, 1_500_000)


if __name__ == "__main__":
    unittest.main()
