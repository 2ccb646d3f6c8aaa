"""Tests of the finger probe (models/jepa_ac/finger_probe.py): it reads closedness from latents that
hold it and falls to the majority guess on latents that do not. Run from the repository root:
/usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import os
import tempfile
import unittest

import numpy as np
import torch
from torch import nn

from models.jepa_ac.dataset import Dataset
from models.jepa_ac.dataset_writer import PRIVILEGED_FIELDS, write_dataset
from models.jepa_ac.finger_probe import finger_probe

SIZE = 16
FINGER = PRIVILEGED_FIELDS.index("finger_closedness")
STEPS = 8  # frames per episode


def corner_dataset(root: str, episodes: int, seed: int) -> Dataset:
    """Noise frames whose top-left 4x4 corner is bright while the 'fingers' are closed; each episode
    closes once, half-way (one event per episode), the tool still."""
    g = np.random.default_rng(seed)
    F = episodes * STEPS
    frames = g.integers(0, 60, size=(F, SIZE, SIZE, 3)).astype(np.uint8)
    privileged = np.zeros((F, len(PRIVILEGED_FIELDS)), np.float32)
    closed = (np.arange(F) % STEPS) >= STEPS // 2
    frames[closed, :4, :4] = 250
    privileged[closed, FINGER] = 0.44
    write_dataset(root, frames, np.zeros((F, 7), np.float32), np.zeros((F, 7), np.float32), [STEPS] * episodes,
                  privileged=privileged, seed=seed)
    return Dataset.open(root)


class PatchMeans(nn.Module):
    """A stand-in encoder: the mean colour of each 4x4 patch ([B, 16, 3]), optionally blind to the corner."""

    def __init__(self, blind_corner: bool):
        super().__init__()
        self.blind_corner = blind_corner

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        z = nn.functional.avg_pool2d(image, 4).flatten(2).transpose(1, 2)
        if self.blind_corner:
            z = z.clone()
            z[:, 0] = 0
        return z


class FingerProbeTest(unittest.TestCase):

    def test_reads_latents_that_hold_the_fingers_and_not_those_that_do_not(self):
        with tempfile.TemporaryDirectory() as tmp:
            ds = corner_dataset(os.path.join(tmp, "d"), 40, seed=3)
            seeing = finger_probe(PatchMeans(blind_corner=False), ds)
            blind = finger_probe(PatchMeans(blind_corner=True), ds)
        self.assertEqual(seeing["finger_events"], 40)
        self.assertAlmostEqual(seeing["finger_probe_base"], 0.5)
        self.assertGreater(seeing["finger_probe_acc"], 0.98)
        self.assertLess(blind["finger_probe_acc"], 0.65)
        self.assertGreater(seeing["finger_event_energy"], 2 * seeing["finger_still_energy"])
        self.assertLess(blind["finger_event_energy"], 1.3 * blind["finger_still_energy"])


if __name__ == "__main__":
    unittest.main()
