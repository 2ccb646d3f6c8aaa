"""Tests of growing a trained encoder deeper (grow.py) and of train.py's --init growth. Run from
the repository root: /usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import os
import tempfile
import unittest
from dataclasses import replace

import torch

from models.jepa_ac.dataset import Dataset
from models.jepa_ac.export import load_weights
from models.jepa_ac.grow import grow_encoder, growth_mismatch
from models.jepa_ac.model import EncoderConfig, PatchEncoder
from models.jepa_ac.train import PRESETS, train
from models.tests.test_train import synthetic

SMALL = EncoderConfig(image_size=32, patch_size=16, dim=16, depth=1, heads=2, mlp_ratio=2.0, stem="conv", stem_channels=[8, 16, 16])


def trained_like(cfg: EncoderConfig, seed: int) -> PatchEncoder:
    """An encoder with every weight drawn at random (no zero output projections), like a trained one."""
    torch.manual_seed(seed)
    enc = PatchEncoder(cfg)
    with torch.no_grad():
        for p in enc.parameters():
            p.normal_(0.0, 0.2)
    return enc.eval()


class GrowEncoder(unittest.TestCase):
    def test_the_grown_encoder_computes_what_the_trained_one_did(self):
        source = trained_like(SMALL, 0)
        target = PatchEncoder(replace(SMALL, depth=3)).eval()
        self.assertEqual(grow_encoder(target, source), 2)
        images = torch.rand(5, 3, 32, 32)
        with torch.no_grad():
            self.assertLess(float((target(images) - source(images)).abs().max()), 1e-6)
            # before growing, a fresh deeper encoder computes something else
            fresh = PatchEncoder(replace(SMALL, depth=3)).eval()
            self.assertGreater(float((fresh(images) - source(images)).abs().max()), 1e-2)

    def test_the_new_blocks_learn(self):
        source = trained_like(SMALL, 1)
        target = PatchEncoder(replace(SMALL, depth=2))
        grow_encoder(target, source)
        loss = (target(torch.rand(4, 3, 32, 32)) - torch.rand(4, 4, 16)).abs().mean()
        loss.backward()
        new = target.blocks[1]
        for layer in (new.attn.proj, new.mlp.fc2):
            self.assertGreater(float(layer.weight.grad.abs().sum()), 0.0)

    def test_it_refuses_other_sizes_and_shallower_targets(self):
        source = trained_like(SMALL, 2)
        self.assertEqual(growth_mismatch(PatchEncoder(replace(SMALL, depth=4)), source), [])
        with self.assertRaisesRegex(ValueError, "dim 16 -> 32"):
            grow_encoder(PatchEncoder(replace(SMALL, dim=32, depth=2)), source)
        with self.assertRaisesRegex(ValueError, "stem_channels"):
            grow_encoder(PatchEncoder(replace(SMALL, stem_channels=[8, 16, 32], depth=2)), source)
        deep = trained_like(replace(SMALL, depth=3), 3)
        self.assertIn("depth 3 -> 1 (shallower)", growth_mismatch(PatchEncoder(SMALL), deep))

    def test_train_grows_init_weights_into_a_deeper_preset(self):
        torch.set_num_threads(1)
        smoke = PRESETS["smoke"]
        with tempfile.TemporaryDirectory() as tmp:
            synthetic(os.path.join(tmp, "data"))
            ds = Dataset.open(os.path.join(tmp, "data"))
            first = os.path.join(tmp, "a.pt")
            train(smoke, ds, first)
            deeper = replace(smoke, encoder=replace(smoke.encoder, depth=smoke.encoder.depth + 2))
            second = os.path.join(tmp, "b.pt")
            train(deeper, ds, second, init=first)
            e0, _, _ = load_weights(first)
            e1, _, _ = load_weights(second)
            self.assertEqual(e1.cfg.depth, e0.cfg.depth + 2)
            # the kept stem moved with training but started from the first run's weights: close, not reset
            drift = float((e1.patch_embed.weight - e0.patch_embed.weight).abs().max())
            fresh = PatchEncoder(deeper.encoder)
            self.assertLess(drift, float((fresh.patch_embed.weight - e0.patch_embed.weight).abs().max()))


if __name__ == "__main__":
    unittest.main()
