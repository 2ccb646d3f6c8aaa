"""Tests of the jepa_ac PyTorch model, its rollout graph, the ONNX export and the committed
test model. Run from the repository root:

    /usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import json
import os
import tempfile
import unittest

import numpy as np
import onnx
import torch

from models.contract.constants import PAPER_PLANNING
from models.jepa_ac.export import load_weights, onnx_parity
from models.jepa_ac.make_test_model import PRESETS, generate
from models.jepa_ac.model import (
    ACPredictor,
    EncoderConfig,
    PatchEncoder,
    PredictorConfig,
    block_causal_mask,
    build,
    frame_index,
)
from models.jepa_ac.onnx_numpy import NumpyOnnx
from models.jepa_ac.rollout import RolloutEnergy, advance_state

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_TINY = os.path.join(ROOT, "models", "test-tiny")
LOWER = torch.tensor(PAPER_PLANNING["lower"], dtype=torch.float32)
UPPER = torch.tensor(PAPER_PLANNING["upper"], dtype=torch.float32)


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tiny(seed: int = 0):
    torch.manual_seed(seed)
    enc, pred = build(
        EncoderConfig(image_size=32, patch_size=8, dim=32, depth=1, heads=2),
        PredictorConfig(embed_dim=32, grid=4, width=32, depth=2, heads=2, max_frames=6),
    )
    return enc.eval(), pred.eval()


def in_bound_actions(b: int, h: int, g: torch.Generator) -> torch.Tensor:
    return LOWER + (UPPER - LOWER) * torch.rand(b, h, 7, generator=g)


class MaskTest(unittest.TestCase):
    def test_mask_is_block_lower_triangular(self):
        m = block_causal_mask(frame_index(3, 2))
        allowed = (m == 0).int().tolist()
        self.assertEqual(
            allowed,
            [[1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0], [1] * 6, [1] * 6],
        )
        self.assertTrue(torch.isneginf(m[0, 2]))


class PredictorTest(unittest.TestCase):
    def setUp(self):
        self.enc, self.pred = tiny()
        g = torch.Generator().manual_seed(1)
        self.T, self.N, self.D = 3, 16, 32
        self.z = torch.randn(2, self.T * self.N, self.D, generator=g)
        self.a = in_bound_actions(2, self.T, g)
        self.s = torch.tensor([0.5, 0.0, 0.2, 3.0, 0.0, 0.0, 0.5]).expand(2, self.T, 7).clone()

    def test_shapes(self):
        out = self.pred(self.z, self.a, self.s)
        self.assertEqual(tuple(out.shape), (2, self.T * self.N, self.D))
        lat = self.enc(torch.randn(3, 3, 32, 32))
        self.assertEqual(tuple(lat.shape), (3, 16, 32))
        # normalised latents: zero mean, unit variance per token
        self.assertLess(lat.mean(-1).abs().max().item(), 1e-5)
        self.assertLess((lat.var(-1, unbiased=False) - 1).abs().max().item(), 1e-3)

    def test_block_causal_later_inputs_do_not_change_earlier_outputs(self):
        N = self.N
        with torch.no_grad():
            base = self.pred(self.z, self.a, self.s)
            a2 = self.a.clone()
            a2[:, 2] = UPPER  # change the last action
            s2 = self.s.clone()
            s2[:, 2, :3] += 0.1  # and the last state
            z2 = self.z.clone()
            z2[:, 2 * N :] += 1.0  # and the last frame
            out = self.pred(z2, a2, s2)
        self.assertTrue(torch.allclose(out[:, : 2 * N], base[:, : 2 * N], atol=1e-6))
        self.assertGreater((out[:, 2 * N :] - base[:, 2 * N :]).abs().max().item(), 1e-2)
        with torch.no_grad():
            a3 = self.a.clone()
            a3[:, 1] = LOWER  # a middle action changes blocks 1 and 2, not block 0
            out3 = self.pred(self.z, a3, self.s)
        self.assertTrue(torch.allclose(out3[:, :N], base[:, :N], atol=1e-6))
        self.assertGreater((out3[:, N : 2 * N] - base[:, N : 2 * N]).abs().max().item(), 1e-2)

    def test_in_bound_actions_change_the_prediction(self):
        with torch.no_grad():
            lo = self.pred(self.z[:, : self.N], LOWER.expand(2, 1, 7), self.s[:, :1])
            hi = self.pred(self.z[:, : self.N], UPPER.expand(2, 1, 7), self.s[:, :1])
        self.assertGreater((hi - lo).abs().mean().item(), 0.05)


class RolloutTest(unittest.TestCase):
    def setUp(self):
        self.enc, self.pred = tiny(2)
        g = torch.Generator().manual_seed(3)
        with torch.no_grad():
            self.z = self.enc(torch.randn(1, 3, 32, 32, generator=g))
            self.goal = self.enc(torch.randn(1, 3, 32, 32, generator=g))
        self.state = torch.tensor([[0.5, 0.1, 0.2, 3.0, 0.0, 0.1, 0.9]])
        self.g = g

    def test_advance_state_clips_gripper_only(self):
        s = torch.tensor([[0.0, 0, 0, 0, 0, 0, 0.9], [0.0, 0, 0, 0, 0, 0, 0.1]])
        a = torch.tensor([[-2.0, 2, 0, 0, 0, 0, 0.5], [0.0, 0, 0, 0, 0, 0, -0.5]])
        out = advance_state(s, a, 6)
        self.assertEqual(out.tolist(), [[-2.0, 2, 0, 0, 0, 0, 1.0], [0.0, 0, 0, 0, 0, 0, 0.0]])

    def test_energy_zero_when_goal_is_the_prediction(self):
        r = RolloutEnergy(self.pred, 3, outputs_predicted=True)
        actions = in_bound_actions(4, 3, self.g)
        with torch.no_grad():
            _, z_h = r(self.z, self.state, actions, self.goal)
            energy, _ = r(self.z, self.state, actions, z_h[1:2])
        self.assertLess(energy[1].item(), 1e-6)
        self.assertTrue(bool((energy[[0, 2, 3]] > 1e-3).all()))

    def test_batch_equals_per_sample(self):
        for h in (1, 3):
            r = RolloutEnergy(self.pred, h, outputs_predicted=True)
            actions = in_bound_actions(5, h, self.g)
            with torch.no_grad():
                energy, z_h = r(self.z, self.state, actions, self.goal)
                for b in range(5):
                    e_b, z_b = r(self.z, self.state, actions[b : b + 1], self.goal)
                    self.assertAlmostEqual(energy[b].item(), e_b.item(), delta=1e-5)
                    self.assertTrue(torch.allclose(z_h[b : b + 1], z_b, atol=1e-5))

    def test_rollout_matches_a_hand_written_loop(self):
        """Autoregression: context = z_0 and every predicted frame; the state advances by the action."""
        h, N, D = 3, 16, 32
        actions = in_bound_actions(2, h, self.g)
        actions[:, :, 6] = 0.6  # pushes the gripper past 1: clipping is exercised
        with torch.no_grad():
            frames, states = [self.z.expand(2, N, D)], [self.state.expand(2, 7)]
            for k in range(h):
                out = self.pred(torch.cat(frames, 1), actions[:, : k + 1], torch.stack(states, 1))
                frames.append(torch.nn.functional.layer_norm(out[:, -N:], (D,)))
                nxt = states[-1] + actions[:, k]
                nxt[:, 6] = nxt[:, 6].clamp(0, 1)
                states.append(nxt)
            expected = (frames[-1] - self.goal).abs().mean((1, 2))
            got = RolloutEnergy(self.pred, h)(self.z, self.state, actions, self.goal)
        self.assertTrue(torch.allclose(got, expected, atol=1e-6))

    def test_energy_tracks_action_distance(self):
        """The random-weight model is usable for planner tests: with goal = prediction of a*, the
        energy of random in-bound actions grows with their distance to a*."""
        r = RolloutEnergy(self.pred, 1, outputs_predicted=True)
        a_star = in_bound_actions(1, 1, self.g)
        actions = in_bound_actions(400, 1, self.g)
        with torch.no_grad():
            _, goal = r(self.z, self.state, a_star, self.goal)
            energy, _ = r(self.z, self.state, actions, goal)
        dist = ((actions - a_star) / (UPPER - LOWER).clamp(min=1e-6)).norm(dim=(1, 2))
        corr = np.corrcoef(dist.numpy(), energy.numpy())[0, 1]
        self.assertGreater(corr, 0.6)


class CommittedModelTest(unittest.TestCase):
    """The committed models/test-tiny is what the generator makes, and its graphs match PyTorch."""

    @classmethod
    def setUpClass(cls):
        cls.manifest = read_json(os.path.join(TEST_TINY, "manifest.json"))
        cls.encoder, cls.predictor, _ = load_weights(os.path.join(TEST_TINY, "weights.pt"))

    def test_generator_reproduces_the_committed_two_view_model(self):
        committed = os.path.join(os.path.dirname(TEST_TINY), "test-tiny-wrist")
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp, "test-tiny-wrist", parity=False)
            for name in ("encoder.onnx", "rollout-h1.onnx", "manifest.json", "parity.json", "readout.onnx", "proposer.onnx"):
                with open(os.path.join(tmp, name), "rb") as a, open(os.path.join(committed, name), "rb") as b:
                    self.assertTrue(a.read() == b.read(), f"test-tiny-wrist/{name} differs from the committed file: rerun make_test_model --preset test-tiny-wrist")
        m = read_json(os.path.join(committed, "manifest.json"))
        self.assertEqual(m["encoder"]["input"]["views"], ["front", "wrist"])
        self.assertEqual((m["encoder"]["input"]["height"], m["encoder"]["input"]["width"]), (64, 128))
        self.assertEqual(m["encoder"]["output"]["tokens"], 32)

    def test_generator_reproduces_the_committed_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp, "test-tiny", parity=False)
            for name in ("encoder.onnx", "rollout-h1.onnx", "rollout-h3.onnx", "manifest.json", "parity.json", "readout.onnx", "readout-parity.json", "proposer.onnx", "proposer-parity.json",
                         "rollout-h1-int8.onnx", "rollout-h3-int8.onnx", "manifest-int8.json"):
                with open(os.path.join(tmp, name), "rb") as a, open(os.path.join(TEST_TINY, name), "rb") as b:
                    self.assertTrue(a.read() == b.read(), f"{name} differs from the committed file: rerun make_test_model")
            enc, pred, _ = load_weights(os.path.join(tmp, "weights.pt"))
            for mine, theirs in ((enc, self.encoder), (pred, self.predictor)):
                a, b = mine.state_dict(), theirs.state_dict()
                self.assertEqual(sorted(a), sorted(b))
                for k in a:
                    self.assertTrue(torch.equal(a[k], b[k]), k)

    def test_export_parity(self):
        rollouts = [(r["file"], r["horizon"], r["outputsPredicted"]) for r in self.manifest["rollout"]]
        report = onnx_parity(TEST_TINY, self.encoder, self.predictor, rollouts)
        engine = report.pop("engine")
        self.assertEqual(set(report), {"encoder.onnx:latents", "rollout-h1.onnx:energy", "rollout-h1.onnx:predicted", "rollout-h3.onnx:energy"})
        for key, diff in report.items():
            self.assertLess(diff, 1e-4, f"{key} ({engine})")

    def test_manifest_matches_graphs(self):
        m = self.manifest
        self.assertEqual(m["format"], "jepa-mpc/world-model@1")
        enc_in = m["encoder"]["input"]
        N, D = m["encoder"]["output"]["tokens"], m["encoder"]["output"]["dim"]
        self.assertEqual((enc_in["height"], enc_in["width"], N, D), (64, 64, 16, 64))

        def io(path):
            g = onnx.load(os.path.join(TEST_TINY, path)).graph
            dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            return {v.name: dims(v) for v in g.input}, {v.name: dims(v) for v in g.output}

        ins, outs = io(m["encoder"]["file"])
        self.assertEqual(ins, {"image": [1, 3, 64, 64]})
        self.assertEqual(outs, {"latents": [1, N, D]})
        self.assertEqual([r["horizon"] for r in m["rollout"]], [1, 3])
        for r in m["rollout"]:
            ins, outs = io(r["file"])
            H = r["horizon"]
            self.assertEqual(ins, {"latents": [1, N, D], "state": [1, 7], "actions": ["B", H, 7], "goal": [1, N, D]})
            expected = {"energy": ["B"]}
            if r["outputsPredicted"]:
                expected["predicted"] = ["B", N, D]
            self.assertEqual(outs, expected)
            self.assertEqual(onnx.load(os.path.join(TEST_TINY, r["file"])).opset_import[0].version, 17)

    def test_parity_fixture_is_consistent(self):
        p = read_json(os.path.join(TEST_TINY, "parity.json"))
        self.assertEqual(len(p["latents"]), 16 * 64)
        self.assertEqual([r["horizon"] for r in p["rollouts"]], [1, 3])
        ev = NumpyOnnx(os.path.join(TEST_TINY, "rollout-h3.onnx"))
        r3 = p["rollouts"][1]
        f32 = lambda v, s: np.asarray(v, dtype=np.float32).reshape(s)
        out = ev.run({"latents": f32(p["latents"], (1, 16, 64)), "state": f32(p["state"], (1, 7)),
                      "actions": f32(r3["actions"], (p["batch"], 3, 7)), "goal": f32(p["goalLatents"], (1, 16, 64))})
        self.assertLess(float(np.abs(out["energy"] - np.asarray(r3["energy"])).max()), 1e-5)
        self.assertLess(os.path.getsize(os.path.join(TEST_TINY, "parity.json")), 200_000)

    def test_model_folder_is_small(self):
        # 2.49 MB: encoder, two rollout graphs (fp32 and int8), readout and subgoal proposer with their fixtures and weights.
        total = sum(os.path.getsize(os.path.join(TEST_TINY, f)) for f in os.listdir(TEST_TINY))
        self.assertLess(total, 2_600_000)

    def test_presets_are_self_consistent(self):
        for name, p in PRESETS.items():
            self.assertEqual(p["encoder"].dim, p["predictor"].embed_dim, name)
            self.assertEqual(p["encoder"].grid, p["predictor"].grid, name)


if __name__ == "__main__":
    unittest.main()


class ViewsTest(unittest.TestCase):
    """Two camera views side by side: the encoder's tokens come view by view, and a dataset with
    the wrist view is read back with its frames tiled."""

    def test_tokens_are_view_by_view(self):
        torch.manual_seed(0)
        cfg = EncoderConfig(image_size=32, patch_size=16, dim=8, depth=0, heads=2, views=["front", "wrist"])
        enc = PatchEncoder(cfg).eval()
        image = torch.randn(1, 3, 32, 64)
        with torch.no_grad():
            z = enc(image)
            changed = image.clone()
            changed[..., 32:] += 1.0  # only the wrist half
            z2 = enc(changed)
        self.assertEqual(tuple(z.shape), (1, 8, 8))
        moved = (z2 - z).abs().amax(dim=2)[0]
        self.assertTrue(bool((moved[:4] == 0).all()), "front tokens must not see the wrist half")
        self.assertTrue(bool((moved[4:] > 0).all()))

    def test_dataset_tiles_the_wrist_view(self):
        from models.jepa_ac.dataset import Dataset, DatasetError
        from models.jepa_ac.dataset_writer import write_dataset
        rng = np.random.default_rng(0)
        frames = rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)
        wrist = rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)
        states = np.zeros((6, 7), np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            write_dataset(os.path.join(tmp, "w"), frames, states, states, [3, 3], wrist_frames=wrist)
            write_dataset(os.path.join(tmp, "f"), frames, states, states, [3, 3])
            d = Dataset.open(os.path.join(tmp, "w"))
            self.assertEqual(d.views, ["front", "wrist"])
            self.assertEqual(d.frames.shape, (6, 8, 16, 3))
            np.testing.assert_array_equal(d.view("front"), frames)
            np.testing.assert_array_equal(d.view("wrist"), wrist)
            with self.assertRaisesRegex(DatasetError, "views"):
                Dataset.concat([d, Dataset.open(os.path.join(tmp, "f"))])
            front = d.with_views(["front"])  # a one-view preset on a two-view collection
            self.assertEqual(front.views, ["front"])
            np.testing.assert_array_equal(front.frames, frames)
            self.assertEqual(d.views, ["front", "wrist"], "the two-view dataset is left as it was")
            Dataset.concat([front, Dataset.open(os.path.join(tmp, "f"))])  # now joins a front-only one
            np.testing.assert_array_equal(d.with_views(["wrist", "front"]).frames, np.concatenate([wrist, frames], axis=2))
            with self.assertRaisesRegex(DatasetError, "wrist"):
                Dataset.open(os.path.join(tmp, "f")).with_views(["front", "wrist"])


class ConvStemTest(unittest.TestCase):
    """The conv stem (EncoderConfig.stem = "conv"): the same tokens as the patch stem, exported
    to ONNX with parity, and weights saved before the option still load as the patch stem."""

    CFG = EncoderConfig(image_size=64, patch_size=16, dim=32, depth=1, heads=4, mlp_ratio=2.0, stem="conv", stem_channels=[8, 16, 16])

    def test_tokens_shape_and_a_nonlinear_stem(self):
        torch.manual_seed(0)
        enc = PatchEncoder(self.CFG).eval()
        self.assertIsInstance(enc.patch_embed, torch.nn.Sequential)
        z = enc(torch.randn(2, 3, 64, 64))
        self.assertEqual(tuple(z.shape), (2, 16, 32))
        # a pixel change reaches only the tokens whose patch (widened by the 3x3 kernels) sees it
        x = torch.zeros(1, 3, 64, 64)
        y = x.clone()
        y[0, :, 2, 2] = 1.0
        stem = enc.patch_embed
        d = (stem(y) - stem(x)).abs().sum(dim=1)[0]
        self.assertGreater(float(d[0, 0]), 0.0)
        self.assertEqual(float(d[1:, :].sum() + d[:, 1:].sum()), 0.0)

    def test_export_parity_and_old_weights(self):
        from models.jepa_ac.export import export_model, save_weights
        torch.manual_seed(1)
        enc = PatchEncoder(self.CFG).eval()
        pred = ACPredictor(PredictorConfig(embed_dim=32, grid=4, width=32, depth=1, heads=4, mlp_ratio=2.0, max_frames=4)).eval()
        with tempfile.TemporaryDirectory() as tmp:
            report = export_model(os.path.join(tmp, "m"), enc, pred, "conv", "conv", horizons=[1])
            report.pop("engine", None)
            for key, diff in report["parity"].items():
                if key != "engine":
                    self.assertLess(diff, 1e-4, key)
            # a checkpoint written before the stem option (no stem fields) loads as the patch stem
            path = os.path.join(tmp, "w.pt")
            old = PatchEncoder(EncoderConfig(image_size=64, patch_size=16, dim=32, depth=1, heads=4, mlp_ratio=2.0))
            save_weights(path, old, pred)
            ckpt = torch.load(path)
            for k in ("stem", "stem_channels"):
                del ckpt["encoder_config"][k]
            torch.save(ckpt, path)
            e, _, _ = load_weights(path)
            self.assertEqual(e.cfg.stem, "patch")

    def test_refuses_a_stem_that_does_not_fit(self):
        with self.assertRaisesRegex(ValueError, "divisible by 16"):
            EncoderConfig(patch_size=8, stem="conv", stem_channels=[8, 8, 8, 8]).validate()
        with self.assertRaisesRegex(ValueError, "stem must be"):
            EncoderConfig(stem="resnet").validate()
