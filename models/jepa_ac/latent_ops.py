"""Latent-space operations shared by training and its diagnostics: the gripper's events and their
counterfactuals, and the predictor's autoregressive rollout (the contract's loop, as in the
exported rollout graph). The energy and the frames' preprocessing are the contract's
(``models.contract.rollout.energy``, ``models.contract.image.images_to_tensor``).
"""
from __future__ import annotations

from functools import partial
from typing import List

import torch

from ..contract.rollout import rollout_frames
from .model import ACPredictor, effective_gripper
from .rollout import advance_state, predict_next_frame

GRIPPER = 6  # the gripper's index in the 7-D state and action
YAW = 5  # the yaw's index
# An action that changes the gripper's closedness by more than this is a gripper event.
GRIPPER_EVENT = 0.1


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
    c = predictor.cfg
    return rollout_frames(partial(predict_next_frame, predictor), partial(advance_state, gripper_index=GRIPPER), z0, s0, actions,
                          actions.shape[1], tokens=c.num_tokens, dim=c.embed_dim, state_dim=c.state_dim)
