"""Tests of the V-JEPA 2-AC re-implementation (models/vjepa2): RoPE tables and layout, the
block-causal predictor, the tubelet embedding, the pose update, and the released sizes.

    /usr/bin/python3 -m unittest models.tests.test_vjepa2_model
"""
from __future__ import annotations

import math
import unittest
from dataclasses import replace

import numpy as np
import torch

from models.vjepa2.config import TINY, VITG
from models.vjepa2.graphs import RolloutGraph
from models.vjepa2.model import ACPredictor, VJepa2Encoder, count_params
from models.vjepa2.pose import advance_pose, atan2, euler_to_matrix, matrix_to_euler
from models.vjepa2.rope import (
    apply_rope,
    encoder_positions,
    pair_swap,
    predictor_positions,
    rope_angles,
    rope_tables,
    segment_width,
)

torch.set_num_threads(1)

# Released sizes (FACTS-VJEPA2-CHECKPOINT.md).
ENCODER_PARAMS = 1_012_173_952
ENCODER_KEYS = 484
PREDICTOR_PARAMS = 305_220_992
PREDICTOR_KEYS = 300


def rotate_reference(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """The rotation written element by element, as the shared FACTS describe it."""
    out = x.clone()
    for i in range(0, x.shape[-1], 2):
        out[..., i] = x[..., i] * torch.cos(a[..., i]) - x[..., i + 1] * torch.sin(a[..., i])
        out[..., i + 1] = x[..., i + 1] * torch.cos(a[..., i + 1]) + x[..., i] * torch.sin(a[..., i + 1])
    return out


class RopeTest(unittest.TestCase):
    def test_released_head_layout_is_20_20_20_plus_4_unrotated(self):
        self.assertEqual(segment_width(64), 20)
        pos = torch.tensor([[3, 5, 7]])
        a = rope_angles(pos, 64)[0]
        omega = [10000.0 ** (-k / 10) for k in range(10)]
        expected = [p * omega[j % 10] for p in (3, 5, 7) for j in range(20)] + [0.0] * 4
        np.testing.assert_allclose(a.numpy(), expected, rtol=1e-12)

    def test_tables_apply_the_formula_with_different_angles_per_pair(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(2, 3, 5, 64, generator=g, dtype=torch.float64)
        pos = torch.tensor([[0, 0, 0], [1, 2, 3], [4, 0, 0], [2, 15, 9], [31, 1, 1]])
        cos, sin = rope_tables(pos, 64)
        got = apply_rope(x, cos.double(), sin.double(), pair_swap(64))
        ref = rotate_reference(x, rope_angles(pos, 64))
        self.assertLess((got - ref).abs().max().item(), 1e-6)  # float32 tables
        # the quirk is real: a textbook pairing (both members at one angle) gives other values
        textbook = rope_angles(pos, 64).clone()
        textbook[:, 1::2] = textbook[:, 0::2]
        self.assertGreater((rotate_reference(x, textbook) - ref).abs().max().item(), 1e-2)

    def test_action_and_state_tokens_use_the_tables_of_position_t_0_0(self):
        grid, frames = 4, 3
        pos = predictor_positions(frames, grid)
        cos, sin = rope_tables(pos, 64)
        K = grid * grid + 2
        for t in range(frames):
            ref_cos, ref_sin = rope_tables(torch.tensor([[t, 0, 0]]), 64)
            for j in (t * K, t * K + 1):  # action, state
                self.assertTrue(torch.equal(cos[j], ref_cos[0]) and torch.equal(sin[j], ref_sin[0]))
                # only the temporal segment rotates
                self.assertTrue(torch.all(cos[j, 20:] == 1) and torch.all(sin[j, 20:] == 0))
            # patch tokens: (t, row, col) exactly like the encoder's tokens
            self.assertTrue(torch.equal(pos[t * K + 2 : (t + 1) * K], encoder_positions(1, grid) + torch.tensor([t, 0, 0])))

    def test_encoder_positions_are_t_h_w_with_w_fastest(self):
        pos = encoder_positions(2, 16)
        self.assertEqual(pos.shape, (512, 3))
        self.assertEqual(pos[0].tolist(), [0, 0, 0])
        self.assertEqual(pos[17].tolist(), [0, 1, 1])
        self.assertEqual(pos[255].tolist(), [0, 15, 15])
        self.assertEqual(pos[256 + 16 * 3 + 5].tolist(), [1, 3, 5])

    def test_each_dim_is_a_unit_angle_and_position_zero_is_the_identity(self):
        pos = torch.tensor([[0, 0, 0], [7, 3, 11]])
        cos, sin = rope_tables(pos, 64)
        np.testing.assert_allclose((cos ** 2 + sin ** 2).numpy(), 1.0, atol=1e-6)
        x = torch.randn(1, 1, 2, 64)
        y = apply_rope(x, cos, sin, pair_swap(64))
        self.assertTrue(torch.equal(y[..., 0, :], x[..., 0, :]))
        self.assertTrue(torch.equal(y[..., 1, 60:], x[..., 1, 60:]))  # 4 trailing dims untouched

    def test_norm_and_relative_position_hold_per_pair_only_where_the_angles_agree(self):
        # A proper rotation (equal angles in a pair) preserves norms and makes q·k depend only
        # on the position difference; the released pairing breaks both, which is why the code
        # keeps it as trained instead of "fixing" it. Angles stay linear in position either way.
        p, q = torch.tensor([[2, 5, 1]]), torch.tensor([[3, 1, 4]])
        np.testing.assert_allclose(rope_angles(p + q, 64).numpy(), (rope_angles(p, 64) + rope_angles(q, 64)).numpy(), rtol=1e-12)
        g = torch.Generator().manual_seed(1)
        x, k = torch.randn(64, generator=g, dtype=torch.float64), torch.randn(64, generator=g, dtype=torch.float64)

        def paired(pos):
            a = rope_angles(pos, 64)
            a[:, 1::2] = a[:, 0::2]
            return a

        rx = rotate_reference(x, paired(p)[0])
        self.assertAlmostEqual(rx.norm().item(), x.norm().item(), places=10)
        shift = torch.tensor([[4, 2, 6]])
        dot = lambda a, b: (rotate_reference(x, paired(a)[0]) @ rotate_reference(k, paired(b)[0])).item()
        self.assertAlmostEqual(dot(p, q), dot(p + shift, q + shift), places=10)
        released = lambda a, b: (rotate_reference(x, rope_angles(a, 64)[0]) @ rotate_reference(k, rope_angles(b, 64)[0])).item()
        self.assertNotAlmostEqual(released(p, q), released(p + shift, q + shift), places=3)
        self.assertNotAlmostEqual(rotate_reference(x, rope_angles(p, 64)[0]).norm().item(), x.norm().item(), places=3)


class PredictorMaskTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(3)
        self.pred = ACPredictor(TINY).eval()
        N, D = TINY.num_tokens, TINY.enc_dim
        g = torch.Generator().manual_seed(4)
        self.z = torch.randn(2, 3 * N, D, generator=g)
        self.actions = torch.randn(2, 3, 7, generator=g) * 0.05
        self.states = torch.randn(2, 3, 7, generator=g) * 0.3

    def run_pred(self, z, a, s):
        with torch.no_grad():
            return self.pred(z, a, s).reshape(2, 3, TINY.num_tokens, TINY.enc_dim)

    def test_a_later_action_state_or_frame_leaves_earlier_predictions_unchanged(self):
        base = self.run_pred(self.z, self.actions, self.states)
        N = TINY.num_tokens
        for what in ("action", "state", "frame"):
            z, a, s = self.z.clone(), self.actions.clone(), self.states.clone()
            if what == "action":
                a[:, 1] += 0.5
            elif what == "state":
                s[:, 1] += 0.5
            else:
                z[:, N : 2 * N] += 1.0
            out = self.run_pred(z, a, s)
            with self.subTest(what=what):
                self.assertTrue(torch.equal(out[:, 0], base[:, 0]), "timestep 0 must not see timestep 1")
                self.assertGreater((out[:, 1] - base[:, 1]).abs().max().item(), 1e-4)
                self.assertGreater((out[:, 2] - base[:, 2]).abs().max().item(), 1e-4)

    def test_history_prefix_gives_the_same_outputs(self):
        N = TINY.num_tokens
        full = self.run_pred(self.z, self.actions, self.states)
        with torch.no_grad():
            one = self.pred(self.z[:, :N], self.actions[:, :1], self.states[:, :1])
        self.assertLess((one - full[:, 0]).abs().max().item(), 1e-5)

    def test_rollout_h2_first_action_only_changes_through_the_chain(self):
        # Changing a_1 changes the H=2 prediction; the H=1 part (from a_0) is the same graph.
        roll = RolloutGraph(self.pred, 2)
        g = torch.Generator().manual_seed(5)
        latents, goal = torch.randn(1, 16, 64, generator=g), torch.randn(1, 16, 64, generator=g)
        state = torch.tensor([[0.4, 0.0, 0.3, 3.0, 0.0, 0.1, 0.2]])
        a = torch.zeros(2, 2, 7)
        a[1, 1, 0] = 0.05
        with torch.no_grad():
            e = roll(latents, state, a, goal)
        self.assertNotAlmostEqual(e[0].item(), e[1].item(), places=6)


class EncoderTest(unittest.TestCase):
    def test_tubelet_embedding_equals_the_conv3d(self):
        torch.manual_seed(6)
        enc = VJepa2Encoder(TINY, frames=4).eval()
        video = torch.randn(2, 3, 4, 32, 32)
        with torch.no_grad():
            ref = enc.patch_embed.proj(video).flatten(2).transpose(1, 2)
            got = enc.patch_embed(video, 4)
        self.assertLess((got - ref).abs().max().item(), 1e-5)
        self.assertEqual(enc(video).shape, (2, 2 * TINY.num_tokens, TINY.enc_dim))

    def test_released_sizes_match_the_checkpoint(self):
        # Full widths at depth 1 and 2 (cheap), extrapolated to the released depths.
        def sizes(depth_field: str, cls):
            counts = []
            for depth in (1, 2):
                m = cls(replace(VITG, **{depth_field: depth}))
                counts.append((count_params(m), len(m.state_dict()), {k: tuple(v.shape) for k, v in m.state_dict().items()}))
                del m
            return counts

        (e1, k1, shapes), (e2, k2, _) = sizes("enc_depth", VJepa2Encoder)
        self.assertEqual(e1 + (VITG.enc_depth - 1) * (e2 - e1), ENCODER_PARAMS)
        self.assertEqual(k1 + (VITG.enc_depth - 1) * (k2 - k1), ENCODER_KEYS)
        self.assertEqual(shapes["patch_embed.proj.weight"], (1408, 3, 2, 16, 16))
        self.assertEqual(shapes["blocks.0.attn.qkv.weight"], (4224, 1408))
        self.assertEqual(shapes["blocks.0.mlp.fc1.weight"], (6144, 1408))
        (p1, k1, shapes), (p2, k2, _) = sizes("pred_depth", ACPredictor)
        self.assertEqual(p1 + (VITG.pred_depth - 1) * (p2 - p1), PREDICTOR_PARAMS)
        self.assertEqual(k1 + (VITG.pred_depth - 1) * (k2 - k1), PREDICTOR_KEYS)
        for key, shape in {
            "predictor_embed.weight": (1024, 1408),
            "action_encoder.weight": (1024, 7),
            "state_encoder.weight": (1024, 7),
            "extrinsics_encoder.weight": (1024, 6),
            "predictor_blocks.0.attn.qkv.weight": (3072, 1024),
            "predictor_blocks.0.mlp.fc1.weight": (4096, 1024),
            "predictor_proj.weight": (1408, 1024),
        }.items():
            self.assertEqual(shapes[key], shape, key)


class PoseTest(unittest.TestCase):
    def test_atan2_matches_math_everywhere_including_the_axes(self):
        vals = [-2.0, -1.0, -1e-6, 0.0, 1e-6, 0.5, 3.0]
        ys, xs = zip(*[(y, x) for y in vals for x in vals])
        got = atan2(torch.tensor(ys, dtype=torch.float64), torch.tensor(xs, dtype=torch.float64))
        for y, x, v in zip(ys, xs, got.tolist()):
            self.assertAlmostEqual(v, math.atan2(y, x) if (x, y) != (0.0, 0.0) else 0.0, places=9, msg=f"atan2({y}, {x})")

    def test_euler_round_trip_and_elementary_rotations(self):
        g = torch.Generator().manual_seed(7)
        e = torch.stack([torch.rand(50, generator=g) * 6 - 3, torch.rand(50, generator=g) * 3 - 1.5, torch.rand(50, generator=g) * 6 - 3], 1).double()
        np.testing.assert_allclose(matrix_to_euler(euler_to_matrix(e)).numpy(), e.numpy(), atol=1e-9)
        a = 0.3
        rx = torch.tensor([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]], dtype=torch.float64)
        np.testing.assert_allclose(euler_to_matrix(torch.tensor([[a, 0.0, 0.0]], dtype=torch.float64))[0].numpy(), rx.numpy(), atol=1e-12)

    def test_advance_pose_composes_rotations_and_clips_the_gripper(self):
        state = torch.tensor([[0.4, -0.1, 0.3, 0.2, 0.1, 0.3, 0.9], [0.4, -0.1, 0.3, 3.1, 0.0, 0.0, 0.1]], dtype=torch.float64)
        action = torch.tensor([[0.05, 0.01, -0.02, 0.0, 0.0, 0.2, 0.5], [0.0, 0.0, 0.0, 0.1, 0.0, 0.0, -0.5]], dtype=torch.float64)
        nxt = advance_pose(state, action)
        np.testing.assert_allclose(nxt[:, :3].numpy(), (state + action)[:, :3].numpy(), atol=1e-12)
        # an extrinsic yaw applied after the pose adds to its yaw
        np.testing.assert_allclose(nxt[0, 3:6].numpy(), [0.2, 0.1, 0.5], atol=1e-9)
        # roll wraps across ±π like SciPy's as_euler
        self.assertAlmostEqual(nxt[1, 3].item(), 3.2 - 2 * math.pi, places=9)
        self.assertEqual(nxt[:, 6].tolist(), [1.0, 0.0])
        # general case: R(next) = R(action)·R(state)
        r = torch.matmul(euler_to_matrix(action[:, 3:6]), euler_to_matrix(state[:, 3:6]))
        np.testing.assert_allclose(euler_to_matrix(nxt[:, 3:6]).numpy(), r.numpy(), atol=1e-9)


if __name__ == "__main__":
    unittest.main()
