"""Latent-space operations shared by training and its diagnostics: frames to the encoder's input,
the planner's energy, the gripper's events and their counterfactuals, and the predictor's
autoregressive rollout (the same as the exported rollout graph's).
"""
from __future__ import annotations

from typing import List

import numpy as np
import torch

from .export import IMAGE_MEAN, IMAGE_SCALE, IMAGE_STD
from .model import ACPredictor, effective_gripper, normalise_latents
from .rollout import advance_state

GRIPPER = 6  # the gripper's index in the 7-D state and action
YAW = 5  # the yaw's index


def images_to_tensor(frames_u8: np.ndarray) -> torch.Tensor:
    """uint8 [..., H, W, 3] -> float [..., 3, H, W], normalised as the manifest says."""
    x = torch.from_numpy(np.ascontiguousarray(frames_u8)).float() / IMAGE_SCALE
    x = (x - torch.tensor(IMAGE_MEAN)) / torch.tensor(IMAGE_STD)
    return x.movedim(-1, -3).contiguous()


def energy(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean |a - b| over tokens and channels: [..., N, D] -> [...] (the planner's energy)."""
    return (a - b).abs().mean(dim=(-2, -1))


def gripper_events(actions: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
    """Boolean [...]: the action changes the gripper's closedness (clipped to [0, 1]) by more than
    GRIPPER_EVENT from the state it starts from."""
    return effective_gripper(actions, states, GRIPPER)[..., GRIPPER].abs() > GRIPPER_EVENT


def gripper_counterfactual(actions: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
    """The other gripper choice for every step: gripper events (``gripper_events``) become "hold";
    the other actions toggle the gripper (close when it is more open than closed, else open).
    states [..., S] are the states the actions start from. Everything but the gripper column is kept."""
    g = states[..., GRIPPER]
    dg = actions[..., GRIPPER]
    toggle = torch.where(g < 0.5, 1.0 - g, -g)
    out = actions.clone()
    out[..., GRIPPER] = torch.where(gripper_events(actions, states), torch.zeros_like(dg), toggle)
    return out


def rollout(predictor: ACPredictor, z0: torch.Tensor, s0: torch.Tensor, actions: torch.Tensor) -> List[torch.Tensor]:
    """Autoregressive predictions like the exported rollout graph: z0 [B,N,D], s0 [B,S], actions
    [B,H,A] -> H normalised frames [B,N,D]; states advanced by the actions between steps."""
    N, D = predictor.cfg.num_tokens, predictor.cfg.embed_dim
    frames, states, outs = [z0], [s0], []
    s = s0
    for k in range(actions.shape[1]):
        out = predictor(torch.cat(frames, dim=1), actions[:, : k + 1], torch.stack(states, dim=1), k + 1)
        z = normalise_latents(out[:, k * N : (k + 1) * N], D)
        outs.append(z)
        frames.append(z)
        s = advance_state(s, actions[:, k], GRIPPER)
        states.append(s)
    return outs


# An action that changes the gripper's closedness by more than this is a gripper event.
GRIPPER_EVENT = 0.1
