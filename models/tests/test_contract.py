"""Tests of the contract module (models/contract): the rollout loop and energy on a toy predictor,
and that every rollout in the project (both families' graphs, training's rollout) runs that one
loop. Run from the repository root:

    /usr/bin/python3 -m unittest discover -s models/tests -t .
"""
from __future__ import annotations

import unittest
from unittest import mock

import torch

from models.contract import rollout as contract_rollout
from models.contract.rollout import energy, rollout_frames
from models.jepa_ac import latent_ops
from models.jepa_ac.model import EncoderConfig, PredictorConfig, build
from models.jepa_ac.rollout import RolloutEnergy
from models.vjepa2.config import TINY
from models.vjepa2.graphs import RolloutGraph
from models.vjepa2.model import ACPredictor as VJepa2Predictor

N, D = 2, 3  # the toy model's tokens and channels


def toy_next_frame(calls: list):
    """Next frame = the last frame + the newest state's one entry; records the input shapes."""

    def next_frame(frames, actions, states, steps):
        calls.append((tuple(frames.shape), tuple(actions.shape), tuple(states.shape), steps))
        return frames[:, -N:] + states[:, -1, :, None]

    return next_frame


def toy_advance(state, action):
    """Not the jepa_ac update (s + a), so the test sees that the passed-in one is used."""
    return 2 * state + action


class RolloutLoopTest(unittest.TestCase):
    def setUp(self):
        self.latents = torch.zeros(1, N, D)
        self.state = torch.tensor([[1.0]])
        # B = 2 candidates, H = 3 steps, A = 1
        self.actions = torch.tensor([[[10.0], [20.0], [30.0]], [[0.0], [0.0], [0.0]]])

    def test_toy_rollout_energy_equals_the_hand_computation(self):
        # candidate 0: z1 = 0 + 1 = 1, s1 = 2*1 + 10 = 12, z2 = 1 + 12 = 13, s2 = 2*12 + 20 = 44, z3 = 13 + 44 = 57
        #              (the last action never advances the state: no step follows it)
        # candidate 1: z1 = 1, s1 = 2, z2 = 3, s2 = 4, z3 = 7
        calls: list = []
        advance = mock.Mock(side_effect=toy_advance)
        frames = rollout_frames(toy_next_frame(calls), advance, self.latents, self.state, self.actions, 3, tokens=N, dim=D, state_dim=1)
        self.assertEqual([f.shape for f in frames], [torch.Size([2, N, D])] * 3)
        self.assertEqual([f[:, 0, 0].tolist() for f in frames], [[1.0, 1.0], [13.0, 3.0], [57.0, 7.0]])
        self.assertEqual(advance.call_count, 2)
        self.assertEqual(calls, [((2, N, D), (2, 1, 1), (2, 1, 1), 1), ((2, 2 * N, D), (2, 2, 1), (2, 2, 1), 2),
                                 ((2, 3 * N, D), (2, 3, 1), (2, 3, 1), 3)])
        goal = torch.full((1, N, D), 5.0)
        self.assertEqual(energy(frames[-1], goal).tolist(), [52.0, 2.0])

    def test_wrong_action_horizon_is_refused(self):
        with self.assertRaisesRegex(ValueError, "actions have horizon 3, graph has 2"):
            rollout_frames(toy_next_frame([]), toy_advance, self.latents, self.state, self.actions, 2, tokens=N, dim=D, state_dim=1)

    def test_energy_is_the_mean_abs_difference_over_tokens_and_channels(self):
        g = torch.Generator().manual_seed(0)
        predicted, goal = torch.randn(4, 5, N, D, generator=g), torch.randn(N, D, generator=g)
        want = torch.stack([torch.stack([(p - goal).abs().mean() for p in row]) for row in predicted])
        self.assertTrue(torch.allclose(energy(predicted, goal), want))


class SharedLoopTest(unittest.TestCase):
    """No model family keeps its own copy of the loop: each rollout calls ``rollout_frames`` once."""

    def test_every_rollout_runs_the_contract_loop(self):
        torch.manual_seed(0)
        _, pred = build(EncoderConfig(image_size=32, patch_size=16, dim=16, depth=1, heads=2),
                        PredictorConfig(embed_dim=16, grid=2, width=16, depth=1, heads=2, max_frames=4))
        vpred = VJepa2Predictor(TINY)
        state = torch.zeros(1, 7)
        actions = torch.zeros(3, 2, 7)
        z, vz = torch.zeros(1, 4, 16), torch.zeros(1, TINY.num_tokens, TINY.enc_dim)
        cases = [
            ("jepa_ac RolloutEnergy", contract_rollout, lambda: RolloutEnergy(pred.eval(), 2)(z, state, actions, z)),
            ("vjepa2 RolloutGraph", contract_rollout, lambda: RolloutGraph(vpred.eval(), 2)(vz, state, actions, vz)),
            ("jepa_ac training rollout", latent_ops, lambda: latent_ops.rollout(pred, z.expand(3, 4, 16), state.expand(3, 7), actions)),
        ]
        self.assertIs(latent_ops.rollout_frames, contract_rollout.rollout_frames)
        for name, module, run in cases:
            with self.subTest(name), torch.no_grad():
                with mock.patch.object(module, "rollout_frames", wraps=contract_rollout.rollout_frames) as loop:
                    run()
                self.assertEqual(loop.call_count, 1)


if __name__ == "__main__":
    unittest.main()
