"""The planning graph of the world-model contract: roll the predictor H steps, score against a goal.

``RolloutEnergy`` is what ``export.py`` writes as ``rollout-h{H}.onnx``:
latents [1, N, D], state [1, S], actions [B, H, A], goal [1, N, D] -> energy [B]
(optionally also predicted [B, N, D], the final predicted frame).
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

import torch
from torch import nn

from .model import ACPredictor, normalise_latents


def advance_state(state: torch.Tensor, action: torch.Tensor, gripper_index: Optional[int]) -> torch.Tensor:
    """state [B, S] + action [B, S], the gripper closedness clipped to [0, 1]."""
    s = state + action
    if gripper_index is None:
        return s
    g = gripper_index
    return torch.cat([s[:, :g], s[:, g : g + 1].clamp(0.0, 1.0), s[:, g + 1 :]], dim=1)


class RolloutEnergy(nn.Module):
    """Autoregressive H-step rollout of an ``ACPredictor`` plus the L1 energy to a goal.

    Step k feeds all frames so far (z_0, then each predicted frame, LayerNormed like the
    encoder's output) with actions a_0..a_k and states s_0..s_k; the last N output tokens are the
    next frame. Between steps s_{k+1} = s_k + a_k with the gripper clipped to [0, 1].
    energy[b] = mean over tokens and channels of |z_H[b] - goal|.
    """

    def __init__(
        self,
        predictor: ACPredictor,
        horizon: int,
        outputs_predicted: bool = False,
        gripper_index: Optional[int] = -1,
    ):
        super().__init__()
        if horizon < 1 or horizon > predictor.cfg.max_frames:
            raise ValueError(f"horizon {horizon} must be in [1, {predictor.cfg.max_frames}]")
        self.predictor = predictor
        self.horizon = horizon
        self.outputs_predicted = outputs_predicted
        S = predictor.cfg.state_dim
        self.gripper_index = None if gripper_index is None else gripper_index % S

    def predict(self, latents: torch.Tensor, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """latents [1 or B, N, D], state [1 or B, S], actions [B, H, A] -> z_H [B, N, D] (normalised)."""
        B, H = actions.shape[0], self.horizon
        if actions.shape[1] != H:
            raise ValueError(f"actions have horizon {actions.shape[1]}, graph has {H}")
        N, D = self.predictor.cfg.num_tokens, self.predictor.cfg.embed_dim
        S = self.predictor.cfg.state_dim
        frames = [latents.expand(B, N, D)]
        s = state.expand(B, S)
        states = [s]
        z = frames[0]
        for k in range(H):
            out = self.predictor(torch.cat(frames, dim=1), actions[:, : k + 1], torch.stack(states, dim=1), k + 1)
            z = normalise_latents(out[:, k * N : (k + 1) * N], D)  # the last N tokens: frame k+1
            frames.append(z)
            if k + 1 < H:
                s = advance_state(s, actions[:, k], self.gripper_index)
                states.append(s)
        return z

    def forward(
        self, latents: torch.Tensor, state: torch.Tensor, actions: torch.Tensor, goal: torch.Tensor
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        z = self.predict(latents, state, actions)
        energy = (z - goal).abs().mean(dim=(1, 2))
        if self.outputs_predicted:
            return energy, z
        return energy
