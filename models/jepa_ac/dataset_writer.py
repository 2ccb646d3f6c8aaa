"""Writes arrays as a dataset in ``jepa-mpc collect``'s format (docs/dataset-format.md): one
shard, a manifest with each file's hash. For tests and tools; the simulator's data comes from
``jepa-mpc collect`` and is read by ``dataset.Dataset``."""
from __future__ import annotations

import hashlib
import json
import os
from typing import Optional, Sequence

import numpy as np

from .dataset import DATASET_FORMAT, EPISODE_FIELDS, MANIFEST_NAME, TWIN_ARRAY

__all__ = ["PRIVILEGED_FIELDS", "write_dataset"]

PRIVILEGED_FIELDS = [
    "cube_x", "cube_y", "cube_z", "cube_qw", "cube_qx", "cube_qy", "cube_qz",
    "target_x", "target_y", "target_z", "finger_closedness", "task_success",
]


def write_dataset(root: str, frames: np.ndarray, states: np.ndarray, actions: np.ndarray, lengths: Sequence[int],
                  privileged: Optional[np.ndarray] = None, seed: int = 0,
                  cf_frames: Optional[np.ndarray] = None, cf_actions: Optional[np.ndarray] = None,
                  wrist_frames: Optional[np.ndarray] = None, twin_frames: Optional[np.ndarray] = None) -> dict:
    """Writes arrays as a one-shard dataset in the collect format (for tests and tools; the
    simulator's data comes from ``jepa-mpc collect``). ``lengths``: frames per episode, in order.
    ``cf_frames`` and ``cf_actions`` (both or neither) add the counterfactual arrays;
    ``wrist_frames`` (the shape of ``frames``) the wrist view (views front, wrist); ``twin_frames``
    (the shape of ``frames``) the twin array (render twin)."""
    os.makedirs(root, exist_ok=True)
    F, H, W = frames.shape[:3]
    if sum(lengths) != F:
        raise ValueError(f"episode lengths sum to {sum(lengths)}, arrays have {F} frames")
    if privileged is None:
        privileged = np.zeros((F, len(PRIVILEGED_FIELDS)), np.float32)
    if (cf_frames is None) != (cf_actions is None):
        raise ValueError("cf_frames and cf_actions come together")
    starts = np.cumsum([0] + list(lengths[:-1]))
    table = np.array([[s, n, 0, 0, 0] for s, n in zip(starts, lengths)], dtype="<i4").reshape(-1, EPISODE_FIELDS)
    arrays = {
        "frames": np.ascontiguousarray(frames, dtype=np.uint8),
        "states": np.ascontiguousarray(states, dtype="<f4"),
        "actions": np.ascontiguousarray(actions, dtype="<f4"),
        "privileged": np.ascontiguousarray(privileged, dtype="<f4"),
        "episodes": table,
    }
    if cf_frames is not None and cf_actions is not None:
        if cf_frames.shape != frames.shape or cf_actions.shape != actions.shape:
            raise ValueError(f"counterfactual arrays {cf_frames.shape}, {cf_actions.shape} must match frames {frames.shape}, actions {actions.shape}")
        arrays["cfFrames"] = np.ascontiguousarray(cf_frames, dtype=np.uint8)
        arrays["cfActions"] = np.ascontiguousarray(cf_actions, dtype="<f4")
    if wrist_frames is not None:
        if wrist_frames.shape != frames.shape:
            raise ValueError(f"wrist frames {wrist_frames.shape} must match frames {frames.shape}")
        arrays["wristFrames"] = np.ascontiguousarray(wrist_frames, dtype=np.uint8)
    if twin_frames is not None:
        if twin_frames.shape != frames.shape:
            raise ValueError(f"twin frames {twin_frames.shape} must match frames {frames.shape}")
        arrays[TWIN_ARRAY] = np.ascontiguousarray(twin_frames, dtype=np.uint8)
    suffix = {"wristFrames": "wrist-frames.u8", "frames": "frames.u8", "states": "states.f32", "actions": "actions.f32", "privileged": "privileged.f32", "episodes": "episodes.i32",
              "cfFrames": "cf-frames.u8", "cfActions": "cf-actions.f32", TWIN_ARRAY: "twin-frames.u8"}
    files = {}
    for name, arr in arrays.items():
        file = f"shard-00000.{suffix[name]}"
        data = arr.tobytes()
        with open(os.path.join(root, file), "wb") as f:
            f.write(data)
        files[name] = {"file": file, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    manifest = {
        "format": DATASET_FORMAT, "createdBy": "models.jepa_ac.dataset_writer.write_dataset", "seed": seed,
        "episodes": len(lengths), "frames": F, "stepsPerEpisode": int(max(lengths)) - 1, "episodesPerShard": len(lengths),
        "image": {"height": H, "width": W, "channels": 3, "dtype": "uint8"}, "controlPeriodS": 0.25,
        "state": {"dim": 7, "names": ["x", "y", "z", "roll", "pitch", "yaw", "gripper"]},
        "action": {"dim": 7, "names": ["dx", "dy", "dz", "droll", "dpitch", "dyaw", "dgripper"], "semantics": "commanded delta after the frame"},
        "privileged": {"fields": PRIVILEGED_FIELDS, "note": "evaluation only"},
        "episodeTable": {"fields": ["start", "frames", "kind", "task", "layoutSeed"]},
        "kinds": ["waypoints"], "tasks": ["reach"], "kindCounts": {"waypoints": len(lengths)},
        "shards": [{"index": 0, "episodes": len(lengths), "frames": F, "files": files}],
    }
    if "wristFrames" in arrays:
        manifest["views"] = ["front", "wrist"]
    if TWIN_ARRAY in arrays:
        manifest["render"] = {"shadows": False, "twin": True}
    if "cfFrames" in arrays:
        manifest["counterfactual"] = {"rule": "gripper", "note": "written by write_dataset"}
    tmp = os.path.join(root, MANIFEST_NAME + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    os.replace(tmp, os.path.join(root, MANIFEST_NAME))
    return manifest
