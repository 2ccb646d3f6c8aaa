"""The two graphs of the world-model contract (docs/world-model-contract.md) built from the
V-JEPA 2-AC networks:

- ``EncoderGraph``: `image` [1, 3, F, H, W] (one frame repeated to fill the tubelet, normalised)
  -> `latents` [1, N, D]: the encoder, then the planning code's affine-free LayerNorm (eps 1e-5).
- ``RolloutGraph``: `latents` [1, N, D], `state` [1, 7], `actions` [B, H, 7], `goal` [1, N, D]
  -> `energy` [B] (optionally `predicted` [B, N, D]): the contract's loop
  (``models.contract.rollout``) with this predictor's step (its last N tokens, LayerNormed again)
  and the planning wrapper's pose update between steps (``pose.advance_pose``).
"""
from __future__ import annotations

import torch
from torch import nn

from ..contract.rollout import RolloutGraphBase
from ..jepa_ac.model import normalise_latents
from .model import ACPredictor, VJepa2Encoder
from .pose import advance_pose


class EncoderGraph(nn.Module):
    def __init__(self, encoder: VJepa2Encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        c = self.encoder.cfg
        return normalise_latents(self.encoder(image), c.enc_dim, c.latent_eps)


class RolloutGraph(RolloutGraphBase):
    def __init__(self, predictor: ACPredictor, horizon: int, outputs_predicted: bool = False):
        c = predictor.cfg
        super().__init__(predictor, horizon, outputs_predicted, max_frames=c.max_frames, tokens=c.num_tokens, dim=c.enc_dim,
                         state_dim=c.state_dim, action_dim=c.action_dim)

    def next_frame(self, frames: torch.Tensor, actions: torch.Tensor, states: torch.Tensor, steps: int) -> torch.Tensor:
        c = self.predictor.cfg
        out = self.predictor(frames, actions, states, steps)
        return normalise_latents(out[:, (steps - 1) * c.num_tokens :], c.enc_dim, c.latent_eps)  # the last N tokens

    def advance_state(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return advance_pose(state, action)
