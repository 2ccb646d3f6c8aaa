"""Tests of the goal readout (models/jepa_ac/readout.py): it learns to read the fingers from
pixels, and it is added to an exported model folder as the contract says. Run from the
repository root: /usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import unittest

import numpy as np
import torch

from models.jepa_ac.dataset import Dataset
from models.jepa_ac.dataset_writer import PRIVILEGED_FIELDS, write_dataset
from models.jepa_ac.export import export_model
from models.jepa_ac.model import EncoderConfig, PredictorConfig, build
from models.jepa_ac.onnx_numpy import NumpyOnnx
from models.jepa_ac.readout import (CLOSED_THRESHOLD, READOUT_FILE, GripperReadout, ReadoutConfig, add_to_model, evaluate_readout,
                                    load_readout, train_readout)

SIZE = 32
FINGER = PRIVILEGED_FIELDS.index("finger_closedness")


def fingers_dataset(root: str, episodes: int, seed: int, wrist: bool = False) -> Dataset:
    """Frames with a grey 'hand' block somewhere and two small 'fingers' below it, 6 px apart when
    open, touching when closed (a few pixels, like the simulator's 64 px frames); the measured
    closedness in the privileged column. Episodes of 4 frames, a third of the frames closed."""
    g = np.random.default_rng(seed)
    F = episodes * 4
    frames = g.integers(0, 40, size=(F, SIZE, SIZE, 3)).astype(np.uint8)  # noise background
    states = np.zeros((F, 7), np.float32)
    privileged = np.zeros((F, len(PRIVILEGED_FIELDS)), np.float32)
    for k in range(F):
        closed = g.random() < 1 / 3
        x, y = g.integers(2, SIZE - 12), g.integers(2, SIZE - 10)
        frames[k, y : y + 4, x : x + 10] = 150
        gap = 0 if closed else 6
        left = x + (10 - gap) // 2 - 1
        frames[k, y + 4 : y + 8, left] = 230
        frames[k, y + 4 : y + 8, left + gap + 1] = 230
        privileged[k, FINGER] = 0.44 if closed else 0.0
        states[k, 6] = 1.0 if closed else 0.0
    wrist_frames = g.integers(0, 256, size=frames.shape).astype(np.uint8) if wrist else None  # a second view (noise)
    write_dataset(root, frames, states, np.zeros((F, 7), np.float32), [4] * episodes, privileged=privileged, seed=seed, wrist_frames=wrist_frames)
    return Dataset.open(root)


class ReadoutTrainingTest(unittest.TestCase):

    def test_learns_to_read_the_fingers(self):
        """Untrained it is at chance; after six epochs on 800 frames it reads held-out frames."""
        torch.manual_seed(0)
        with tempfile.TemporaryDirectory() as tmp:
            data = fingers_dataset(os.path.join(tmp, "train"), 200, seed=1)
            val = fingers_dataset(os.path.join(tmp, "val"), 50, seed=2)
            self.assertTrue(0.2 < float((val.priv("finger_closedness") > CLOSED_THRESHOLD).mean()) < 0.5)
            before = evaluate_readout(GripperReadout(ReadoutConfig(image_size=SIZE)), val)
            with contextlib.redirect_stderr(io.StringIO()) as err:
                model, report = train_readout(data, val, frames=0, epochs=6, batch=32, lr=3e-3, seed=0,
                                              cfg=ReadoutConfig(image_size=SIZE))
            self.assertIn("eval", err.getvalue())  # progress and per-epoch evaluation on stderr
            self.assertEqual(report["frames"], 800)
            self.assertLess(abs(before["p_closed_mean"] - before["p_open_mean"]), 0.1)
            self.assertGreater(report["metrics"]["accuracy"], 0.95)
            self.assertGreater(report["metrics"]["p_closed_mean"] - report["metrics"]["p_open_mean"], 0.6)

    def test_refuses_frames_of_another_size(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = fingers_dataset(tmp, 4, seed=0)
            with self.assertRaisesRegex(ValueError, r"1 view\(s\) of 64 px, the dataset has \[.front.\] of 32 px"):
                train_readout(data, None, frames=0, epochs=1, cfg=ReadoutConfig(image_size=64))


class ReadoutExportTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self.tmp.name, "model")
        torch.manual_seed(0)
        enc, pred = build(EncoderConfig(image_size=SIZE, patch_size=16, dim=16, depth=1, heads=2),
                          PredictorConfig(embed_dim=16, grid=2, width=16, depth=1, heads=2, max_frames=2))
        export_model(self.dir, enc, pred, "r", "r", horizons=[1], parity=False)
        self.readout = GripperReadout(ReadoutConfig(image_size=SIZE, channels=(4, 8))).eval()

    def tearDown(self):
        self.tmp.cleanup()

    def test_adds_graph_weights_parity_and_manifest_entries(self):
        report = add_to_model(self.dir, self.readout, 0.2)
        self.assertLess(report["readout.onnx:gripper"], 1e-5)
        with open(os.path.join(self.dir, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual(manifest["goalReadout"], {"file": READOUT_FILE, "output": "gripper"})
        self.assertEqual(manifest["planning"]["goalGripperWeight"], 0.2)
        graph = NumpyOnnx(os.path.join(self.dir, READOUT_FILE))
        self.assertEqual(graph.output_names, ["gripper"])
        # The parity fixture's numbers are what the graph computes on its images (TS checks the same).
        with open(os.path.join(self.dir, "readout-parity.json"), encoding="utf-8") as f:
            parity = json.load(f)
        from models.contract.image import images_to_tensor
        import base64
        for image, want in zip(parity["images"], parity["gripper"]):
            a = np.frombuffer(base64.b64decode(image["base64"]), np.uint8).reshape(SIZE, SIZE, 3)
            got = graph.run({"image": images_to_tensor(a[None]).numpy()})["gripper"]
            self.assertEqual(got.shape, (1,))
            self.assertAlmostEqual(float(got[0]), want, delta=parity["tolerance"])
        reloaded = load_readout(os.path.join(self.dir, "readout.pt"))
        x = torch.randn(2, 3, SIZE, SIZE)
        self.assertTrue(torch.equal(reloaded(x), self.readout(x)))

    def test_cli_adds_a_trained_readout_from_its_weights_file(self):
        """`readout --from readout.pt --model DIR`: the same graph and parity as the folder it was trained into."""
        from models.jepa_ac.readout import main
        first = os.path.join(self.tmp.name, "first")
        import shutil
        shutil.copytree(self.dir, first)
        add_to_model(first, self.readout, 0.1, {"accuracy": 0.5})
        with contextlib.redirect_stdout(io.StringIO()) as out:
            self.assertEqual(main(["--model", self.dir, "--from", os.path.join(first, "readout.pt"), "--weight", "0.3"]), 0)
        self.assertEqual(json.loads(out.getvalue())["accuracy"], 0.5)
        for name in (READOUT_FILE, "readout-parity.json"):
            with open(os.path.join(first, name), "rb") as f, open(os.path.join(self.dir, name), "rb") as g:
                self.assertEqual(f.read(), g.read(), name)
        with open(os.path.join(self.dir, "manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["planning"]["goalGripperWeight"], 0.3)
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            main(["--model", self.dir])  # neither data nor --from

    def test_cli_trains_a_one_view_models_readout_on_two_view_data(self):
        """A one-view model's readout trained on a `collect --wrist` collection reads its front view."""
        from models.jepa_ac.readout import main
        data = os.path.join(self.tmp.name, "both")
        self.assertEqual(fingers_dataset(data, 8, seed=3, wrist=True).views, ["front", "wrist"])
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(main(["--model", self.dir, "--data", data, "--val", data, "--frames", "0", "--epochs", "1", "--batch", "16"]), 0)
        self.assertEqual(load_readout(os.path.join(self.dir, "readout.pt")).cfg.views, 1)

    def test_refuses_a_model_of_another_image_size_and_a_negative_weight(self):
        with self.assertRaisesRegex(ValueError, "encoder takes 32x32 px images, the readout 64x64 px"):
            add_to_model(self.dir, GripperReadout(ReadoutConfig(image_size=64, channels=(4,))), 0.1)
        with self.assertRaisesRegex(ValueError, "must be >= 0"):
            add_to_model(self.dir, self.readout, -1.0)
        self.assertFalse(os.path.exists(os.path.join(self.dir, READOUT_FILE)))  # nothing written on refusal


if __name__ == "__main__":
    unittest.main()
