"""Does the encoder see the fingers? A linear probe on its latents, and the energy a grasp makes.

Why: the planner's grasp decision needs the energy to tell open from closed fingers (issue 17,
MODEL_CARD.md "Seeing the grasp"). Two held-out measures of one encoder, from the privileged
finger-closedness column (evaluation only, never training):

- ``finger_probe_acc``: a ridge-regression linear probe on the flattened latents [N·D] reads the
  label 'fingers closed' (readout.CLOSED_THRESHOLD), fitted on the first half of the episodes and
  scored on the other half; ``..._near_cube`` on the scored frames whose tool is at the cube (where
  the grasp is decided). A probe that guesses the majority class scores ``finger_probe_base``.
- ``finger_event_energy``: the mean energy between consecutive frames whose label changes (the
  fingers closed or opened) against ``finger_still_energy``, consecutive frames with the same label
  and no more end-effector motion than the events' median. The metric hinge asks a full
  open/closed change for 0.2 (κ · 0.1); a model that does not see the fingers shows the two alike.

``python -m models.jepa_ac.finger_probe --weights W.pt --data VAL`` prints them as JSON.
"""
from __future__ import annotations

import argparse
import json
from typing import Dict

import numpy as np
import torch

from ..contract.rollout import energy
from .dataset import Dataset
from .diagnostics import encode_frames
from .model import PatchEncoder
from .readout import closed_labels, near_cube
from .threads import use_threads

RIDGE = 1.0  # L2 penalty of the probe (features are LayerNormed latents, so O(1) each)
MAX_FRAMES = 8000  # frames encoded at most (evenly spaced episodes), to bound the time


def _with_bias(x: np.ndarray) -> np.ndarray:
    """[x, 1] in float64."""
    return np.concatenate([x, np.ones((len(x), 1), x.dtype)], axis=1).astype(np.float64)


def _ridge_fit(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Weights [F+1] of the ridge regression y ≈ [x, 1] · w (solved in the dual when F > samples)."""
    xa = _with_bias(x)
    yc = y.astype(np.float64) * 2 - 1
    if xa.shape[1] > xa.shape[0]:
        return xa.T @ np.linalg.solve(xa @ xa.T + lam * np.eye(len(xa)), yc)
    return np.linalg.solve(xa.T @ xa + lam * np.eye(xa.shape[1]), xa.T @ yc)


def _predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (_with_bias(x) @ w) > 0


@torch.no_grad()
def finger_probe(encoder: PatchEncoder, ds: Dataset) -> Dict[str, float]:
    """The measures in the module doc, on the episodes of ``ds`` (held out)."""
    was_training = encoder.training
    encoder.eval()
    eps = ds.episodes
    per_episode = int(np.median(eps[:, 1]))
    keep = np.linspace(0, len(eps) - 1, min(len(eps), max(2, MAX_FRAMES // max(per_episode, 1)))).astype(int)
    keep = np.unique(keep)
    half = len(keep) // 2
    frames = [np.arange(eps[e, 0], eps[e, 0] + eps[e, 1]) for e in keep]
    idx = np.concatenate(frames)
    offsets = np.cumsum([0] + [len(f) for f in frames])  # where each kept episode starts in idx
    fit_n = int(offsets[half])
    z = encode_frames(encoder, ds.frames[idx])  # [F, N, D]
    x = z.reshape(len(idx), -1).numpy()
    label = closed_labels(ds)[idx] > 0.5
    near = near_cube(ds)[idx]
    w = _ridge_fit(x[:fit_n], label[:fit_n], RIDGE)
    right = _predict(x[fit_n:], w) == label[fit_n:]
    test_near = near[fit_n:]
    # Consecutive pairs inside each kept episode.
    first = np.concatenate([np.arange(len(f) - 1) + offsets[k] for k, f in enumerate(frames)])
    e_pair = energy(z[first], z[first + 1]).numpy()
    moved = np.linalg.norm(ds.states[idx[first + 1], :3] - ds.states[idx[first], :3], axis=1)
    event = label[first] != label[first + 1]
    still = ~event & (moved <= (np.median(moved[event]) if event.any() else 0.0))
    base = max(label[fit_n:].mean(), 1 - label[fit_n:].mean())
    if was_training:
        encoder.train()
    return {
        "finger_probe_acc": float(right.mean()),
        "finger_probe_acc_near_cube": float(right[test_near].mean()) if test_near.any() else float("nan"),
        "finger_probe_base": float(base),
        "finger_event_energy": float(e_pair[event].mean()) if event.any() else float("nan"),
        "finger_still_energy": float(e_pair[still].mean()) if still.any() else float("nan"),
        "finger_events": int(event.sum()),
    }


def main() -> None:
    from .export import load_weights

    ap = argparse.ArgumentParser(description="Linear probe of finger closedness on a world model's encoder latents (held-out data).")
    ap.add_argument("--weights", required=True, help="weights file written by train.py / export.save_weights")
    ap.add_argument("--data", required=True, help="held-out dataset folder (jepa-mpc collect)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    use_threads(a.threads)
    encoder, _, _ = load_weights(a.weights)
    print(json.dumps(finger_probe(encoder, Dataset.open(a.data, verify=False)), indent=2))


if __name__ == "__main__":
    main()
