"""The jepa_ac rollout graph: the contract's loop (``models.contract.rollout``) with this family's
predictor step and state update.

``RolloutEnergy`` is what ``export.py`` writes as ``rollout-h{H}.onnx``:
latents [1, N, D], state [1, S], actions [B, H, A], goal [1, N, D] -> energy [B]
(optionally also predicted [B, N, D], the final predicted frame).
"""
from __future__ import annotations

from typing import Optional

import torch

from ..contract.rollout import RolloutGraphBase
from .model import ACPredictor, normalise_latents


def advance_state(state: torch.Tensor, action: torch.Tensor, gripper_index: Optional[int]) -> torch.Tensor:
    """state [B, S] + action [B, S], the gripper closedness clipped to [0, 1]."""
    s = state + action
    if gripper_index is None:
        return s
    g = gripper_index
    return torch.cat([s[:, :g], s[:, g : g + 1].clamp(0.0, 1.0), s[:, g + 1 :]], dim=1)


def predict_next_frame(predictor: ACPredictor, frames: torch.Tensor, actions: torch.Tensor, states: torch.Tensor, steps: int) -> torch.Tensor:
    """The contract's ``NextFrame`` for an ``ACPredictor``: its output block for frame ``steps``
    (the last N tokens), LayerNormed like the encoder's output."""
    n, d = predictor.cfg.num_tokens, predictor.cfg.embed_dim
    out = predictor(frames, actions, states, steps)
    return normalise_latents(out[:, (steps - 1) * n : steps * n], d)


class RolloutEnergy(RolloutGraphBase):
    """Autoregressive H-step rollout of an ``ACPredictor`` plus the L1 energy to a goal; between
    steps s_{k+1} = s_k + a_k with the gripper (``gripper_index``, default the last state entry;
    None: no clipping) clipped to [0, 1]."""

    def __init__(
        self,
        predictor: ACPredictor,
        horizon: int,
        outputs_predicted: bool = False,
        gripper_index: Optional[int] = -1,
    ):
        c = predictor.cfg
        super().__init__(predictor, horizon, outputs_predicted, max_frames=c.max_frames, tokens=c.num_tokens, dim=c.embed_dim,
                         state_dim=c.state_dim, action_dim=c.action_dim)
        self.gripper_index = None if gripper_index is None else gripper_index % c.state_dim

    def next_frame(self, frames: torch.Tensor, actions: torch.Tensor, states: torch.Tensor, steps: int) -> torch.Tensor:
        return predict_next_frame(self.predictor, frames, actions, states, steps)

    def advance_state(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return advance_state(state, action, self.gripper_index)
