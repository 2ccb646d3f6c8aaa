"""The parity fixture every exporter writes (``parity.json``, read by tests/model/parity.test.ts):
PyTorch outputs on fixed inputs, so a runtime without Python can check the exported graphs.
Numbers are float32 printed to round-trip exactly; images are rgb8, row-major H x W x 3, base64.
"""
from __future__ import annotations

import base64
from typing import List, Optional, Sequence

import numpy as np
import torch

from .constants import PAPER_PLANNING, PARITY_FORMAT

FIXTURE_BATCH = 4  # candidates per rollout entry
FIXTURE_STATE = [0.45, -0.05, 0.25, 3.1, 0.05, -0.1, 0.3]
# Pinned action dimensions (the rotations: lower == upper) get values in ±this, so every input
# dimension of the graph is exercised.
PINNED_ACTION_RANGE = 0.05
FIXTURE_TOLERANCE = 1e-4


def parity_floats(t: torch.Tensor) -> List[float]:
    """Flat float32 values, each printed with enough digits to round-trip exactly."""
    return [float(f"{v:.9g}") for v in t.detach().reshape(-1).numpy().astype(np.float32).tolist()]


def parity_image(a: np.ndarray) -> dict:
    """An H x W x 3 uint8 image as the fixture stores it (rgb8, base64)."""
    return {"height": a.shape[0], "width": a.shape[1], "encoding": "rgb8", "base64": base64.b64encode(a.tobytes()).decode("ascii")}


def fixture_actions(g: np.random.Generator, batch: int, horizon: int, action_dim: int) -> np.ndarray:
    """Actions [batch, horizon, action_dim] (float32) uniform within the paper's planning bounds,
    pinned dimensions within ±PINNED_ACTION_RANGE."""
    lo = np.array(PAPER_PLANNING["lower"], dtype=np.float64)
    hi = np.array(PAPER_PLANNING["upper"], dtype=np.float64)
    pinned = hi == lo
    lo, hi = np.where(pinned, -PINNED_ACTION_RANGE, lo), np.where(pinned, PINNED_ACTION_RANGE, hi)
    return g.uniform(lo, hi, size=(batch, horizon, action_dim)).astype(np.float32)


def parity_rollout(horizon: int, actions: torch.Tensor, energy: torch.Tensor, predicted: Optional[torch.Tensor]) -> dict:
    """One rollout entry: actions flat [B*H*A], energy [B] and, where the graph outputs it,
    predicted flat [B*N*D]."""
    entry = {"horizon": horizon, "actions": parity_floats(actions), "energy": parity_floats(energy)}
    if predicted is not None:
        entry["predicted"] = parity_floats(predicted)
    return entry


def parity_document(
    *,
    description: str,
    tolerance: float,
    tokens: int,
    dim: int,
    batch: int,
    image: np.ndarray,
    goal_image: np.ndarray,
    latents: torch.Tensor,
    goal_latents: torch.Tensor,
    state: torch.Tensor,
    rollouts: Sequence[dict],
) -> dict:
    """The fixture: the two uint8 images, the encoder's latents of each (flat [N*D]), the state
    and the ``parity_rollout`` entries."""
    return {
        "format": PARITY_FORMAT,
        "description": description,
        "tolerance": tolerance,
        "tokens": tokens,
        "dim": dim,
        "batch": batch,
        "image": parity_image(image),
        "goalImage": parity_image(goal_image),
        "latents": parity_floats(latents),
        "goalLatents": parity_floats(goal_latents),
        "state": parity_floats(state),
        "rollouts": list(rollouts),
    }
