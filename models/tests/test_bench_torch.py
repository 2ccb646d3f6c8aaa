"""models/jepa_ac/bench_torch.py: the PyTorch CEM bench compares against is the planner's CEM."""
import json
import os
import subprocess
import sys
import unittest

import torch

from models.jepa_ac.bench_torch import cem_plan

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class BenchTorchTest(unittest.TestCase):
    def test_cem_finds_the_known_optimum_inside_the_bounds_with_pinned_dimensions_at_zero(self):
        target = torch.tensor([0.03, -0.05, 0.02, 0.0, 0.0, 0.0, 0.5])
        lower = torch.tensor([-0.075] * 3 + [0.0] * 3 + [-0.75])
        upper = -lower
        pinned = torch.tensor([False] * 3 + [True] * 3 + [False])
        energy = lambda a: (a[:, 0] - target).abs().sum(dim=1)  # noqa: E731
        plan = cem_plan(energy, lower, upper, pinned, 800, 10, 10, 1, 0.15, 0.15, torch.Generator().manual_seed(0))
        self.assertLess((plan[0, :3] - target[:3]).abs().max().item(), 0.005)
        self.assertEqual(plan[0, 3:6].abs().max().item(), 0.0)
        self.assertLess(abs(plan[0, 6].item() - 0.5), 0.05)

    def test_times_the_shipped_model_per_setting(self):
        out = subprocess.run(
            [sys.executable, "-m", "models.jepa_ac.bench_torch", "--model", os.path.join(ROOT, "models", "test-tiny"), "--threads", "1", "--repeats", "1", "--setting", "16x2e4h1", "--setting", "8x1e2h3"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )
        report = json.loads(out.stdout)
        self.assertEqual([(s["samples"], s["horizon"]) for s in report["settings"]], [(16, 1), (8, 3)])
        self.assertTrue(all(s["planMs"] > 0 for s in report["settings"]))


if __name__ == "__main__":
    unittest.main()
