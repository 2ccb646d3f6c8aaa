"""The manifest (``manifest.json``) every exporter writes, assembled in one place with the keys in
the contract document's order, the JSON writer of every file in a model folder, and where a
folder's manifests are: ``manifest.json`` is the folder's default precision, each other precision
``manifest-<precision>.json`` beside it (src/model/manifest.ts resolves ``--precision`` the same
way)."""
from __future__ import annotations

import json
import os
from typing import List, Optional, Sequence, Tuple

from .constants import (
    ACTION_SPACE,
    BATCH_SIZES,
    CONTROL_PERIOD_S,
    ENCODER_FILE,
    IMAGE_MEAN,
    IMAGE_SCALE,
    IMAGE_STD,
    LAYOUT_IMAGE,
    MANIFEST_FILE,
    MANIFEST_FORMAT,
    PAPER_PLANNING,
    PRECISION_FP32,
    RESIZE,
    STATE_SPACE,
    SUBGOAL_SCHEMES,
)


def manifest_dict(
    name: str,
    description: str,
    *,
    image_size: int,
    tokens: int,
    dim: int,
    rollouts: Sequence[Tuple[str, int, bool]],
    planning: Optional[dict] = None,
    precision: str = PRECISION_FP32,
    encoder_file: str = ENCODER_FILE,
    external_data: Sequence[str] = (),
    layout: str = LAYOUT_IMAGE,
    frames: int = 1,
    shadows: bool = False,
    subgoals: Optional[str] = None,
    views: Sequence[str] = ("front",),
) -> dict:
    """The manifest of a model whose encoder takes ``image_size`` px square images (``frames`` of
    them in ``layout``) and outputs ``tokens`` x ``dim`` LayerNormed latents.

    ``rollouts``: (file, horizon, outputsPredicted) per rollout graph. ``planning``: the planner
    settings (default: the paper's). ``external_data``: the encoder's weight files next to it.
    ``shadows``: the training frames were drawn with shadows, so the simulator must draw them too.
    ``subgoals``: the goal-image scheme the model is measured with (one of SUBGOAL_SCHEMES; `eval`
    and `scenario` default to it). Raises ValueError for an unknown scheme. ``views``: the camera
    views the input image holds side by side (its width is ``len(views) * image_size``); listed in
    the manifest only when there are several (absent = the front camera).
    """
    manifest = {
        "format": MANIFEST_FORMAT,
        "name": name,
        "description": description,
        "precision": precision,
        "controlPeriodS": CONTROL_PERIOD_S,
        "encoder": {
            "file": encoder_file,
            "externalData": list(external_data),
            "input": {
                "height": image_size,
                "width": image_size * len(views),
                "layout": layout,
                "frames": frames,
                "resize": RESIZE,
                "scale": IMAGE_SCALE,
                "mean": IMAGE_MEAN,
                "std": IMAGE_STD,
                **({} if list(views) == ["front"] else {"views": list(views)}),
            },
            "output": {"tokens": tokens, "dim": dim, "layerNormed": True},
        },
        "rollout": [{"file": f, "horizon": h, "outputsPredicted": p} for f, h, p in rollouts],
        "state": STATE_SPACE,
        "action": ACTION_SPACE,
        "planning": dict(planning or PAPER_PLANNING),
        "batchSizes": BATCH_SIZES,
    }
    simulator: dict = {}
    if shadows:  # absent = the contract's default (no shadows); real-camera models never carry it
        simulator["shadows"] = True
    if subgoals is not None:
        if subgoals not in SUBGOAL_SCHEMES:
            raise ValueError(f"subgoals must be one of {', '.join(SUBGOAL_SCHEMES)}, got {subgoals!r}")
        simulator["subgoals"] = subgoals
    if simulator:
        manifest["simulator"] = {"shadows": shadows, **simulator}
    return manifest


def write_json(path: str, obj: dict) -> None:
    """Writes ``obj`` as every JSON file of a model folder is written: indent 2, final newline."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=2) + "\n")


def variant_manifest_file(precision: str) -> str:
    """The manifest file of a precision that is not the folder's default: ``manifest-<precision>.json``."""
    return f"manifest-{precision}.json"


def manifest_precision(folder: str, file: str = MANIFEST_FILE) -> str:
    """The ``"precision"`` of one of ``folder``'s manifests (absent = fp32)."""
    with open(os.path.join(folder, file), encoding="utf-8") as f:
        return json.load(f).get("precision", PRECISION_FP32)


def folder_manifests(folder: str) -> List[str]:
    """``folder``'s manifest files: ``manifest.json`` (the default), then every ``manifest-*.json``, sorted."""
    variants = sorted(f for f in os.listdir(folder) if f.startswith("manifest-") and f.endswith(".json"))
    return [MANIFEST_FILE, *variants]


def fp32_manifest_file(folder: str) -> str:
    """The fp32 manifest of a model folder: ``manifest.json`` where fp32 is the default, else
    ``manifest-fp32.json`` (beside a quantised default, quantize.py --as-default). Raises
    ValueError when there is none."""
    default = manifest_precision(folder)
    if default == PRECISION_FP32:
        return MANIFEST_FILE
    kept = variant_manifest_file(PRECISION_FP32)
    if os.path.exists(os.path.join(folder, kept)) and manifest_precision(folder, kept) == PRECISION_FP32:
        return kept
    raise ValueError(f"{folder}: no fp32 manifest (manifest.json is {default} and there is no fp32 {kept})")
