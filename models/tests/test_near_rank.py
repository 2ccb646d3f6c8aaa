"""The near-goal ranking hinge (losses.near_rank_loss). Run from the repository root:
/usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import unittest
from dataclasses import replace

import torch

from models.jepa_ac.losses import near_rank_loss
from models.jepa_ac.train import PRESETS, main
from models.tests.test_train import synthetic

CFG = replace(PRESETS["smoke"], w_near_rank=1.0)


def line(xs, scale: float, seen=None, n: int = 2, d: int = 4) -> tuple:
    """Frames of one episode at tool x positions ``xs`` (m) whose latents place them at ``seen``
    (default ``xs``): the energy between two frames is ``scale`` per metre of their ``seen``
    difference (one channel shifted, the others 0)."""
    states = torch.zeros(1, len(xs), 7)
    states[0, :, 0] = torch.tensor(xs)
    z = torch.zeros(1, len(xs), n, d)
    z[0, :, :, 0] = torch.tensor(xs if seen is None else seen)[:, None] * scale * d  # mean |dz| over n*d entries
    return z, states


class NearRank(unittest.TestCase):
    def test_steep_enough_and_in_order_costs_nothing(self):
        z, s = line([0.0, 0.01, 0.02, 0.04], scale=2.0)
        self.assertEqual(float(near_rank_loss(z, s, CFG)), 0.0)

    def test_a_flat_or_reversed_landscape_near_the_goal_is_penalised(self):
        flat = near_rank_loss(*line([0.0, 0.01, 0.02, 0.04], scale=0.0), CFG)
        # the frame 1 cm from the first looks 4 cm away and the one 4 cm away looks 1 cm away
        reversed_ = near_rank_loss(*line([0.0, 0.01, 0.02, 0.04], scale=2.0, seen=[0.0, 0.04, 0.02, 0.01]), CFG)
        self.assertGreater(float(flat), 0.0)
        self.assertGreater(float(reversed_), 0.0)
        # the same frames seen in order pay less than seen out of order, at the same scale
        ordered = near_rank_loss(*line([0.0, 0.01, 0.02, 0.04], scale=0.5), CFG)
        shuffled = near_rank_loss(*line([0.0, 0.01, 0.02, 0.04], scale=0.5, seen=[0.0, 0.04, 0.02, 0.01]), CFG)
        self.assertLess(float(ordered), float(shuffled))

    def test_far_frames_are_not_ranked(self):
        # every pair more than near_rank_range apart: nothing to rank, even with a reversed landscape
        z, s = line([0.0, 0.1, 0.2, 0.3], scale=2.0, seen=[0.3, 0.2, 0.1, 0.0])
        self.assertEqual(float(near_rank_loss(z, s, CFG)), 0.0)

    def test_its_gradient_steepens_the_valley(self):
        z, s = line([0.0, 0.01, 0.03], scale=0.2)
        z.requires_grad_(True)
        near_rank_loss(z, s, CFG).backward()
        # descending the loss pushes the farthest frame's latent away from the anchor at x = 0
        self.assertLess(float(z.grad[0, 2, :, 0].sum()), 0.0)

    def test_train_runs_it_from_the_command_line(self):
        torch.set_num_threads(1)
        with tempfile.TemporaryDirectory() as tmp:
            synthetic(os.path.join(tmp, "data"))
            out, summary = os.path.join(tmp, "w.pt"), os.path.join(tmp, "summary.json")
            with contextlib.redirect_stderr(io.StringIO()):
                main(["--data", os.path.join(tmp, "data"), "--out", out, "--preset", "smoke", "--threads", "1", "--near-rank", "0.5", "--summary", summary])
            with open(summary, encoding="utf-8") as f:
                losses = json.load(f)["losses"]
            self.assertIn("near_rank", losses)
            with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
                main(["--data", os.path.join(tmp, "data"), "--out", out, "--preset", "smoke", "--near-rank", "-1"])


if __name__ == "__main__":
    unittest.main()
