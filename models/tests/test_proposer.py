"""Tests of the subgoal proposer (models/jepa_ac/proposer.py): it learns the stages between a first
frame and a goal from goal sets, its outputs follow the contract (LayerNormed latents, closedness in
[0, 1]), and it is added to an exported model folder with an ONNX graph that matches PyTorch. Run
from the repository root: /usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import tempfile
import unittest

import numpy as np
import torch

from models.jepa_ac.export import export_model, save_weights
from models.jepa_ac.model import EncoderConfig, PredictorConfig, build
from models.jepa_ac.onnx_numpy import NumpyOnnx
from models.jepa_ac.proposer import GOAL_SETS_FORMAT, GoalSets, encode_sets, evaluate, main, random_masks, score_folders, split, train_proposer
from models.jepa_ac.proposer_files import PROPOSER_FILE, add_to_model, load_proposer
from models.jepa_ac.proposer_model import ProposerConfig, SubgoalProposer

SIZE = 32
NAMES = ["start", "at block", "placed"]


def write_goal_sets(root: str, count: int, seed: int) -> str:
    """Synthetic goal sets: a bright 'block' in a random patch of the start frame, the 'at block'
    frame adds a dark 'hand' on it, the 'placed' frame has the block moved to a fixed corner; the
    gripper closes at 'at block' and opens at 'placed'."""
    g = np.random.default_rng(seed)
    frames = np.full((count, 3, SIZE, SIZE, 3), 30, np.uint8)
    states = np.zeros((count, 3, 7), np.float32)
    for k in range(count):
        x, y = 8 * g.integers(0, SIZE // 8, size=2)  # one patch of the encoder's 4x4 grid
        frames[k, 0, y : y + 8, x : x + 8] = 220
        frames[k, 1, y : y + 8, x : x + 8] = 220
        frames[k, 1, y : y + 3, x : x + 8] = 90
        frames[k, 2, 2:10, 2:10] = 220
        states[k, 1, 6] = 1.0
    os.makedirs(root, exist_ok=True)
    frames.tofile(os.path.join(root, "frames.u8"))
    states.astype("<f4").tofile(os.path.join(root, "states.f32"))
    manifest = {"format": GOAL_SETS_FORMAT, "task": "pick-place", "scheme": "waypoints", "count": count, "width": SIZE,
                "height": SIZE, "names": NAMES, "seeds": {"first": 0, "last": count - 1}, "skipped": [], "shadows": True,
                "controlPeriodS": 0.25}
    with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f)
    return root


def write_marked_sets(root: str, count: int, seed: int) -> str:
    """Goal sets whose second stage only the first explains: 'marked' adds a mark in a random patch
    (nothing in the start or the goal says where), 'hand on mark' adds a hand on that mark."""
    g = np.random.default_rng(seed)
    frames = np.full((count, 4, SIZE, SIZE, 3), 30, np.uint8)
    for k in range(count):
        x, y = 8 * g.integers(0, SIZE // 8, size=2)
        u, v = 8 * g.integers(0, SIZE // 8, size=2)
        frames[k, :3, y : y + 8, x : x + 8] = 160
        frames[k, 1:3, v : v + 8, u : u + 8] = 255
        frames[k, 2, v : v + 1, u : u + 8] = 0
        frames[k, 3, 2:10, 2:10] = 160
    os.makedirs(root, exist_ok=True)
    frames.tofile(os.path.join(root, "frames.u8"))
    np.zeros((count, 4, 7), "<f4").tofile(os.path.join(root, "states.f32"))
    manifest = {"format": GOAL_SETS_FORMAT, "task": "pick-place", "scheme": "waypoints", "count": count, "width": SIZE,
                "height": SIZE, "names": ["start", "marked", "hand on mark", "placed"], "seeds": {"first": 0, "last": count - 1},
                "skipped": [], "shadows": True, "controlPeriodS": 0.25}
    with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f)
    return root


def tiny_model(root: str, with_predictor: bool = False):
    torch.manual_seed(0)
    encoder, predictor = build(EncoderConfig(image_size=SIZE, patch_size=8, dim=32, depth=1, heads=2, mlp_ratio=2.0),
                               PredictorConfig(embed_dim=32, grid=4, width=32, depth=1, heads=2, mlp_ratio=2.0, max_frames=4))
    with contextlib.redirect_stdout(io.StringIO()):
        export_model(root, encoder.eval(), predictor.eval(), "tiny", "test", [1], [1], parity=False)
    return (encoder.eval(), predictor.eval()) if with_predictor else encoder.eval()


class ProposerTest(unittest.TestCase):
    def test_learns_the_stage_between_and_beats_copying_start_or_goal(self):
        with tempfile.TemporaryDirectory() as tmp:
            sets = GoalSets.open(write_goal_sets(os.path.join(tmp, "sets"), 240, 0))
            self.assertEqual(sets.frames.shape, (240, 3, SIZE, SIZE, 3))
            encoder = tiny_model(os.path.join(tmp, "model"))
            cfg = ProposerConfig(tokens=16, dim=32, subgoals=1, width=32, depth=2, heads=2, mlp_ratio=2.0)
            with contextlib.redirect_stderr(io.StringIO()):
                model, report = train_proposer(sets, encoder, cfg, minutes=10, val_count=40, batch=32, lr=2e-3, seed=0, max_steps=400)
            m = report["metrics"]
            # the proposed 'at block' latents are nearer the real ones than the start's or the goal's
            self.assertEqual(report["steps"], 400)
            self.assertLess(m["at_block_energy"], 0.8 * min(m["at_block_vs_start"], m["at_block_vs_goal"]))
            self.assertLess(m["gripper_wrong_side"], 0.05)
            with torch.no_grad():
                z = torch.randn(2, 16, 32)
                sub, grip = model(z, z, torch.zeros(2, 7))
            self.assertEqual(tuple(sub.shape), (2, 1, 16, 32))
            self.assertEqual(tuple(grip.shape), (2, 2))
            self.assertTrue(torch.allclose(sub.mean(-1), torch.zeros(2, 1, 16), atol=1e-5))  # LayerNormed like the encoder
            self.assertTrue(bool(((grip >= 0) & (grip <= 1)).all()))
            # scored apart per folder: the sets it learnt from and sets drawn from other seeds, never seen
            held = write_goal_sets(os.path.join(tmp, "held"), 60, 7)
            scores = score_folders(model, encoder, [os.path.join(tmp, "sets"), held])
            self.assertEqual(set(scores), {"sets", "held"})
            self.assertLess(scores["held"]["at_block_energy"], 0.8 * min(scores["held"]["at_block_vs_start"], scores["held"]["at_block_vs_goal"]))
            # the CLI's --score-only reads the folder's proposer.pt and prints the same numbers
            with open(os.path.join(tmp, "model", "weights.pt"), "wb") as f:
                torch.save({"format": "not-weights"}, f)
            with self.assertRaises(ValueError):
                main(["--data", held, "--model", os.path.join(tmp, "model"), "--score-only"])

    def test_a_conditional_proposer_uses_the_given_stages(self):
        with tempfile.TemporaryDirectory() as tmp:
            sets = GoalSets.open(write_marked_sets(os.path.join(tmp, "sets"), 300, 0))
            encoder = tiny_model(os.path.join(tmp, "model"))
            cfg = ProposerConfig(tokens=16, dim=32, subgoals=2, width=32, depth=2, heads=2, mlp_ratio=2.0, conditional=True)
            with contextlib.redirect_stderr(io.StringIO()):
                model, report = train_proposer(sets, encoder, cfg, minutes=10, val_count=60, batch=32, lr=2e-3, seed=0, max_steps=500)
            m = report["metrics"]
            # where the mark is, only the given 'marked' image says: with it the hand's stage is far nearer the real one
            self.assertNotIn("paper_hand_on_mark_energy", m)  # no paper stages in these sets
            latents = encode_sets(encoder, sets.frames[-60:])
            first, goal, state, middle, grippers = split(latents, torch.from_numpy(sets.states[-60:]))
            alone = evaluate(model, first, goal, state, middle, grippers, sets.names)
            given = evaluate(model, first, goal, state, middle, grippers, sets.names, ["marked"])
            self.assertNotIn("marked_energy", given)
            self.assertLess(given["hand_on_mark_energy"], 0.75 * alone["hand_on_mark_energy"])
            self.assertLess(given["hand_on_mark_energy"], 0.6 * given["hand_on_mark_vs_start"])
            # an unconditional proposer refuses given stages rather than ignoring them
            plain = SubgoalProposer(ProposerConfig(tokens=16, dim=32, subgoals=2, width=32, depth=1, heads=2))
            with self.assertRaisesRegex(ValueError, "not conditional"):
                plain(first, goal, state, middle, torch.ones(len(first), 2))

    def test_a_warm_start_continues_from_its_weights_and_the_none_given_share_is_the_masks(self):
        # the share of training masks with no stage given follows --none-given
        gen = torch.Generator().manual_seed(0)
        for share in (0.0, 0.4, 1.0):
            masks = random_masks(4000, 5, gen, share)
            empty = float((masks.sum(1) == 0).float().mean())
            self.assertAlmostEqual(empty, share + (1 - share) / 32, delta=0.03)  # some of the others draw no stage by chance
        with tempfile.TemporaryDirectory() as tmp:
            sets = GoalSets.open(write_goal_sets(os.path.join(tmp, "sets"), 240, 0))
            encoder = tiny_model(os.path.join(tmp, "model"))
            cfg = ProposerConfig(tokens=16, dim=32, subgoals=1, width=32, depth=2, heads=2, mlp_ratio=2.0)
            with contextlib.redirect_stderr(io.StringIO()):
                first, r1 = train_proposer(sets, encoder, cfg, minutes=10, val_count=40, batch=32, lr=2e-3, seed=0, max_steps=150)
                cold, _ = train_proposer(sets, encoder, cfg, minutes=10, val_count=40, batch=32, lr=2e-3, seed=1, max_steps=20)
                warm, r2 = train_proposer(sets, encoder, cfg, minutes=10, val_count=40, batch=32, lr=2e-3, seed=1, max_steps=20,
                                          init=copy.deepcopy(first))
            self.assertTrue(r2["warm_start"])
            self.assertFalse(r1["warm_start"])
            # 20 steps from the trained weights score far better than 20 from scratch
            self.assertLess(r2["metrics"]["at_block_energy"], 0.9 * score_folders(cold, encoder, [os.path.join(tmp, "sets")])["sets"]["at_block_energy"])
            with self.assertRaisesRegex(ValueError, "differs from this run"):
                train_proposer(sets, encoder, ProposerConfig(tokens=16, dim=32, subgoals=1, width=32, depth=1, heads=2), minutes=1,
                               val_count=40, batch=32, lr=1e-3, seed=0, max_steps=1, init=first)

    def test_score_only_scores_a_model_folders_proposer_per_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            a = write_goal_sets(os.path.join(tmp, "a"), 30, 1)
            b = write_goal_sets(os.path.join(tmp, "b"), 20, 2)
            encoder, predictor = tiny_model(os.path.join(tmp, "model"), with_predictor=True)
            save_weights(os.path.join(tmp, "model", "weights.pt"), encoder, predictor)
            torch.manual_seed(3)
            model = SubgoalProposer(ProposerConfig(tokens=16, dim=32, subgoals=1, width=32, depth=1, heads=2)).eval()
            add_to_model(os.path.join(tmp, "model"), model, "pick-place", ["at block", "placed"], [5, 6])
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(main(["--data", a, "--held-out", b, "--model", os.path.join(tmp, "model"), "--score-only"]), 0)
            printed = json.loads(out.getvalue())["held_out"]
            self.assertEqual(set(printed), {"a", "b"})
            self.assertAlmostEqual(printed["b"]["at_block_energy"], score_folders(model, encoder, [b])["b"]["at_block_energy"], places=5)

    def test_added_to_a_model_folder_with_a_matching_onnx_graph_and_the_manifest_block(self):
        with tempfile.TemporaryDirectory() as tmp:
            tiny_model(tmp)
            torch.manual_seed(3)
            model = SubgoalProposer(ProposerConfig(tokens=16, dim=32, subgoals=1, width=32, depth=1, heads=2)).eval()
            parity = add_to_model(tmp, model, "pick-place", ["at block", "placed"], [5, 6])
            self.assertLess(max(parity.values()), 1e-4)
            with open(os.path.join(tmp, "manifest.json"), encoding="utf-8") as f:
                manifest = json.load(f)
            self.assertEqual(manifest["subgoalProposer"], {"file": PROPOSER_FILE, "task": "pick-place", "stages": ["at block", "placed"], "steps": [5, 6]})
            loaded, names = load_proposer(os.path.join(tmp, "proposer.pt"))
            self.assertEqual(names, ["at block", "placed"])
            with open(os.path.join(tmp, "proposer-parity.json"), encoding="utf-8") as f:
                fixture = json.load(f)
            out = NumpyOnnx(os.path.join(tmp, PROPOSER_FILE)).run({
                "latents": np.array(fixture["latents"], np.float32).reshape(1, 16, 32),
                "goal": np.array(fixture["goal"], np.float32).reshape(1, 16, 32),
                "state": np.array(fixture["state"], np.float32).reshape(1, 7)})
            self.assertLess(float(np.abs(out["subgoals"].ravel() - np.array(fixture["subgoals"])).max()), fixture["tolerance"])
            with self.assertRaisesRegex(ValueError, "stage names and step budgets"):
                add_to_model(tmp, model, "pick-place", ["placed"], [5])

    def test_refuses_a_folder_whose_arrays_do_not_match_its_manifest(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = write_goal_sets(tmp, 4, 1)
            with open(os.path.join(root, "states.f32"), "ab") as f:
                f.write(b"\0\0\0\0")
            with self.assertRaisesRegex(ValueError, "array sizes do not match"):
                GoalSets.open(root)


if __name__ == "__main__":
    unittest.main()
