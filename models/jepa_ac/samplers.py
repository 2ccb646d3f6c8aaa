"""Training clips drawn from ``jepa-mpc collect`` data: frames (``ClipSampler``) or latents cached
from a frozen encoder (``LatentClipSampler``), with a share of each batch around gripper events."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np
import torch

from ..contract.image import images_to_tensor
from .dataset import Dataset
from .latent_ops import GRIPPER, GRIPPER_EVENT


class ClipSampler:
    """Random training clips: T + 1 consecutive frames of an episode plus one other frame of it.

    ``gripper_fraction`` of each batch (rounded) are clips whose actions include a gripper event:
    closing and opening are rare in the data (a few steps per pick-and-place episode), yet the
    planner's grasp depends on the predictor knowing what they look like.
    """

    def __init__(self, ds: Dataset, clip_steps: int, rng: np.random.Generator, gripper_fraction: float = 0.0, twin: bool = False):
        if twin and ds.twin_frames is None:
            raise ValueError(f"{ds.root}: the invariance loss needs twin frames (collect --randomise ... --twin)")
        self.twin = twin
        self.ds = ds
        self.T = clip_steps
        self.rng = rng
        eps = ds.episodes
        self.cube = ds.priv("cube_pos")
        self.starts = eps[:, 0]
        self.lengths = eps[:, 1]
        if int(self.lengths.min()) < clip_steps + 1:
            raise ValueError(f"episodes of {int(self.lengths.min())} frames are shorter than a clip of {clip_steps + 1}")
        if not 0.0 <= gripper_fraction <= 1.0:
            raise ValueError(f"gripper_fraction must be in [0, 1], got {gripper_fraction}")
        self.gripper_fraction = gripper_fraction
        # (episode, global frame) of every gripper event; the action of the episode's last frame leads nowhere.
        episode_of = np.repeat(np.arange(len(self.starts)), self.lengths)
        last = np.zeros(len(ds.frames), bool)
        last[self.starts + self.lengths - 1] = True
        frames = np.flatnonzero((np.abs(ds.actions[:, GRIPPER]) > GRIPPER_EVENT) & ~last)
        self.events = (episode_of[frames], frames)
        if gripper_fraction > 0 and len(frames) == 0:
            raise ValueError("gripper_fraction > 0 but the data has no gripper events")

    def indices(self, batch: int) -> Tuple[np.ndarray, np.ndarray]:
        """Frame indices of the clips [B, T+1] and of their goal frames [B]."""
        k = int(round(batch * self.gripper_fraction))
        e = self.rng.integers(0, len(self.starts), size=batch)
        first = self.starts[e] + self.rng.integers(0, self.lengths[e] - self.T, size=batch)
        if k:
            j = self.rng.integers(0, len(self.events[1]), size=k)
            e[:k] = self.events[0][j]
            # The event's action at a random position of the clip, the clip kept inside its episode.
            lo, hi = self.starts[e[:k]], self.starts[e[:k]] + self.lengths[e[:k]] - self.T - 1
            first[:k] = np.clip(self.events[1][j] - self.rng.integers(0, self.T, size=k), lo, hi)
        idx = first[:, None] + np.arange(self.T + 1)[None, :]
        goal = self.starts[e] + self.rng.integers(0, self.lengths[e], size=batch)
        return idx, goal

    def sample(self, batch: int) -> Dict[str, torch.Tensor]:
        """frames [B, T+1, 3, H, W], states [B, T+1, 7], actions [B, T, 7], goal frame/state [B, ...];
        with ``twin`` also twin_frames [B, T+1, 3, H, W] (the clip's states in the episode's second appearance)."""
        idx, goal = self.indices(batch)
        ds = self.ds
        twin = {"twin_frames": images_to_tensor(ds.twin_frames[idx])} if self.twin and ds.twin_frames is not None else {}
        return {
            **twin,
            "frames": images_to_tensor(ds.frames[idx]),
            "states": torch.from_numpy(ds.states[idx]),
            "actions": torch.from_numpy(ds.actions[idx[:, :-1]]),
            "goal_frame": images_to_tensor(ds.frames[goal]),
            "goal_state": torch.from_numpy(ds.states[goal]),
            "cube": torch.from_numpy(self.cube[idx]),
            "goal_cube": torch.from_numpy(self.cube[goal]),
        }


class LatentClipSampler:
    """Training clips from cached latents (frozen encoder): the same clips as ClipSampler.

    With ``cf_latents`` (the dataset's counterfactual frames encoded by the same encoder) each batch
    also holds the counterfactual latents and actions of the clip's first T frames (the steps with
    an action)."""

    def __init__(self, ds: Dataset, latents: torch.Tensor, clip_steps: int, rng: np.random.Generator, gripper_fraction: float = 0.0,
                 cf_latents: Optional[torch.Tensor] = None):
        self.clips = ClipSampler(ds, clip_steps, rng, gripper_fraction)
        self.latents = latents
        if cf_latents is not None:
            if ds.cf_actions is None:
                raise ValueError(f"{ds.root}: counterfactual latents given but the dataset has no counterfactual actions")
            if cf_latents.shape != latents.shape:
                raise ValueError(f"counterfactual latents {tuple(cf_latents.shape)} do not match the latents {tuple(latents.shape)}")
        self.cf_latents = cf_latents

    def sample(self, batch: int) -> Dict[str, torch.Tensor]:
        """latents [B, T+1, N, D], states [B, T+1, 7], actions [B, T, 7]; with counterfactual
        latents also cf_latents [B, T, N, D] and cf_actions [B, T, 7]."""
        idx, _ = self.clips.indices(batch)
        ds = self.clips.ds
        out = {
            "latents": self.latents[torch.from_numpy(idx)],
            "states": torch.from_numpy(ds.states[idx]),
            "actions": torch.from_numpy(ds.actions[idx[:, :-1]]),
        }
        if self.cf_latents is not None and ds.cf_actions is not None:
            out["cf_latents"] = self.cf_latents[torch.from_numpy(idx[:, :-1])]
            out["cf_actions"] = torch.from_numpy(ds.cf_actions[idx[:, :-1]])
        return out
