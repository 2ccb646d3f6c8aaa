"""The two graphs of the world-model contract (docs/world-model-contract.md) built from the
V-JEPA 2-AC networks:

- ``EncoderGraph``: `image` [1, 3, F, H, W] (one frame repeated to fill the tubelet, normalised)
  -> `latents` [1, N, D]: the encoder, then the planning code's affine-free LayerNorm (eps 1e-5).
- ``RolloutGraph``: `latents` [1, N, D], `state` [1, 7], `actions` [B, H, 7], `goal` [1, N, D]
  -> `energy` [B] (optionally `predicted` [B, N, D]). Step k runs the predictor over every frame
  so far (z_0 and the predictions, each LayerNormed again), actions a_0..a_k and states
  s_0..s_k, and keeps the last N tokens; between steps the pose is advanced as the planning
  wrapper does (``pose.advance_pose``). energy = mean |z_H − goal| over tokens and channels.
"""
from __future__ import annotations

from typing import Tuple, Union

import torch
from torch import nn

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


class RolloutGraph(nn.Module):
    def __init__(self, predictor: ACPredictor, horizon: int, outputs_predicted: bool = False):
        super().__init__()
        if not 1 <= horizon <= predictor.cfg.max_frames:
            raise ValueError(f"horizon {horizon} must be in [1, {predictor.cfg.max_frames}]")
        self.predictor = predictor
        self.horizon = horizon
        self.outputs_predicted = outputs_predicted

    def predict(self, latents: torch.Tensor, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """latents [1, N, D], state [1, 7], actions [B, H, 7] -> z_H [B, N, D] (normalised)."""
        c = self.predictor.cfg
        N, D, H = c.num_tokens, c.enc_dim, self.horizon
        if actions.shape[1] != H:
            raise ValueError(f"actions have horizon {actions.shape[1]}, graph has {H}")
        B = actions.shape[0]
        frames = [latents.expand(B, N, D)]
        states = [state.expand(B, c.state_dim)]
        z = frames[0]
        for k in range(H):
            out = self.predictor(torch.cat(frames, dim=1), actions[:, : k + 1], torch.stack(states, dim=1), k + 1)
            z = normalise_latents(out[:, k * N :], D, c.latent_eps)  # the last N tokens: frame k+1
            frames.append(z)
            if k + 1 < H:
                states.append(advance_pose(states[-1], actions[:, k]))
        return z

    def forward(
        self, latents: torch.Tensor, state: torch.Tensor, actions: torch.Tensor, goal: torch.Tensor
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        z = self.predict(latents, state, actions)
        energy = (z - goal).abs().mean(dim=(1, 2))
        return (energy, z) if self.outputs_predicted else energy
