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
from models.jepa_ac.grow import grow_encoder, grow_views, growth_mismatch
from models.jepa_ac.model import ACPredictor, EncoderConfig, PatchEncoder, PredictorConfig
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


TWO = replace(SMALL, views=["front", "wrist"])
PRED = PredictorConfig(embed_dim=16, grid=2, width=16, depth=1, heads=2, mlp_ratio=2.0, max_frames=4, angle_encoding="sincos", residual=True)


class TwoViewConvStem(unittest.TestCase):
    def test_the_conv_stem_runs_on_each_view_apart(self):
        """Two views with a conv stem: the front tokens are the one-view stem's on the front half, untouched by the wrist half."""
        one = trained_like(SMALL, 4)
        two = PatchEncoder(TWO).eval()
        two.patch_embed.load_state_dict(one.patch_embed.state_dict())
        image = torch.rand(3, 3, 32, 64)
        changed = image.clone()
        changed[..., 32:] = torch.rand(3, 3, 32, 32)  # a different wrist half
        with torch.no_grad():
            a, b = two.tokens(image), two.tokens(changed)
            self.assertEqual(tuple(a.shape), (3, 8, 16))
            self.assertLess(float((a[:, :4] - one.tokens(image[..., :32])).abs().max()), 1e-6)
            self.assertLess(float((a[:, :4] - b[:, :4]).abs().max()), 1e-6)
            self.assertLess(float((a[:, 4:] - one.tokens(image[..., 32:])).abs().max()), 1e-6)
            self.assertGreater(float((a[:, 4:] - b[:, 4:]).abs().max()), 1e-3)
            self.assertEqual(tuple(two(image).shape), (3, 8, 16))


class GrowViews(unittest.TestCase):
    def test_a_one_view_model_grows_the_hand_camera(self):
        """grow_views copies stem, blocks and predictor; the trained view keeps its positions, the new one is offset; deeper targets get identity blocks."""
        source = trained_like(SMALL, 5)
        torch.manual_seed(6)
        source_pred = ACPredictor(PRED)
        with torch.no_grad():
            source_pred.spatial_embed.normal_(0.0, 0.2)
        target = PatchEncoder(replace(TWO, depth=2)).eval()
        target_pred = ACPredictor(replace(PRED, views=2))
        self.assertEqual(grow_views(target, source, target_pred, source_pred), 1)
        with torch.no_grad():
            self.assertTrue(torch.equal(target.pos_embed[:, :4], source.pos_embed))
            self.assertGreater(float((target.pos_embed[:, 4:] - source.pos_embed).abs().max()), 1e-3)
            self.assertTrue(torch.equal(target_pred.spatial_embed[..., :4, :], source_pred.spatial_embed))
            self.assertTrue(torch.equal(target_pred.blocks[0].attn.proj.weight, source_pred.blocks[0].attn.proj.weight))
            self.assertTrue(torch.equal(target.blocks[0].attn.proj.weight, source.blocks[0].attn.proj.weight))
            self.assertEqual(float(target.blocks[1].attn.proj.weight.abs().sum()), 0.0)  # the added block starts as the identity
            # the grown model runs: [B, T*N, D] with N = 8 tokens
            z = target(torch.rand(2, 3, 32, 64)).reshape(1, 2 * 8, 16)
            out = target_pred(z, torch.zeros(1, 2, 7), torch.zeros(1, 2, 7))
            self.assertEqual(tuple(out.shape), (1, 16, 16))

    def test_it_refuses_what_cannot_grow(self):
        source = trained_like(SMALL, 7)
        pred = ACPredictor(PRED)
        with self.assertRaisesRegex(ValueError, "dim 16 -> 32"):
            grow_views(PatchEncoder(replace(TWO, dim=32, heads=2)), source, ACPredictor(replace(PRED, views=2)), pred)
        with self.assertRaisesRegex(ValueError, "predictor width 16 -> 32"):
            grow_views(PatchEncoder(TWO), source, ACPredictor(replace(PRED, views=2, width=32)), pred)
        with self.assertRaisesRegex(ValueError, "a one-view source whose view comes first"):
            grow_views(PatchEncoder(replace(TWO, views=["wrist", "front"])), source, ACPredictor(replace(PRED, views=2)), pred)

    def test_train_grows_a_one_view_init_into_two_views(self):
        """train.py --init: one-view weights start a two-view preset on a dataset with the wrist view."""
        torch.set_num_threads(1)
        smoke = replace(PRESETS["smoke"], encoder=replace(PRESETS["smoke"].encoder, stem="conv", stem_channels=[8, 16, 16]))
        two = replace(smoke, encoder=replace(smoke.encoder, views=["front", "wrist"]), predictor=replace(smoke.predictor, views=2))
        with tempfile.TemporaryDirectory() as tmp:
            synthetic(os.path.join(tmp, "one"))
            first = os.path.join(tmp, "a.pt")
            train(smoke, Dataset.open(os.path.join(tmp, "one")), first)
            synthetic(os.path.join(tmp, "two"), wrist=True)
            second = os.path.join(tmp, "b.pt")
            train(two, Dataset.open(os.path.join(tmp, "two")), second, init=first)
            e1, p1, _ = load_weights(second)
            self.assertEqual((e1.cfg.views, p1.cfg.views), (["front", "wrist"], 2))


if __name__ == "__main__":
    unittest.main()
