"""Goal readout: whether an image shows the gripper's fingers closed, read by a small CNN.

Why: at 64 px the JEPA encoder all but discards the fingers (a linear probe on its latents reads
open vs closed right in ~71 % of held-out frames), so a planner that only compares latents can
not tell a 'grasped' goal image from an 'at cube' one (MODEL_CARD.md). The fingers are visible in
the pixels — this CNN reads them in ~99 % of held-out frames — so the model folder may carry
``readout.onnx``: the goal image (preprocessed exactly like the encoder's input) → the probability
that its fingers are closed. The planner reads each goal image once and adds
``goalGripperWeight · |commanded closedness after the candidate's actions − readout|`` to the
energy (docs/world-model-contract.md). The current closedness is proprioception (the 7-D state);
the label is the measured finger closedness (a robot's gripper width, not the cube's pose).

CLI (adds readout.onnx, readout.pt and readout-parity.json to an exported model folder and the
``goalReadout`` block and ``planning.goalGripperWeight`` to its manifest):

    /usr/bin/python3 -m models.jepa_ac.readout --data /tmp/jepa-data/train64s /tmp/jepa-data/grasp64s \
        --val /tmp/jepa-data/val64s --model models/sim-jepa-ac --frames 60000 --epochs 3 --seed 0
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..contract.image import images_to_tensor
from ..contract.manifest import folder_manifests, write_json
from ..contract.parity import parity_floats, parity_image
from .dataset import Dataset
from .onnx_export import save_onnx, set_output_shape, to_onnx
from .onnx_numpy import NumpyOnnx
from .progress import fmt_time
from .threads import use_threads

READOUT_FORMAT = "jepa-mpc/readout-weights@1"
READOUT_PARITY_FORMAT = "jepa-mpc/readout-parity@1"
READOUT_FILE = "readout.onnx"
# Measured finger closedness above which a frame counts as 'closed': fingers holding the 4.5 cm
# cube read 0.44 (1 - 4.5 / 8), fully open 0, closed on nothing 1.
CLOSED_THRESHOLD = 0.3
# Tool-centre distance to the cube under which a frame counts as 'at the cube' (the frames a
# grasp decision is made on) in the diagnostics.
NEAR_CUBE_M = 0.04
# The energy weight the CLI writes by default: a full open/closed mismatch costs 0.1, about the
# energy of a 2–5 cm arm error (MODEL_CARD.md), far above the model's ±0.005 gripper noise.
DEFAULT_WEIGHT = 0.1


@dataclass
class ReadoutConfig:
    image_size: int = 64  # each view's side
    in_chans: int = 3
    channels: Sequence[int] = (16, 32, 64, 64)
    views: int = 1  # camera views side by side (the encoder's input): width = views * image_size

    @property
    def width(self) -> int:
        return self.image_size * self.views


class GripperReadout(nn.Module):
    """Preprocessed image [B, 3, H, W] -> P(fingers closed) [B]. Convolutions (the first at full
    resolution, then stride 2), ReLU, a spatial max (the fingers are a few pixels anywhere in the
    frame), one linear unit, sigmoid."""

    def __init__(self, cfg: ReadoutConfig):
        super().__init__()
        self.cfg = cfg
        layers: List[nn.Module] = []
        c_in = cfg.in_chans
        for i, c in enumerate(cfg.channels):
            layers += [nn.Conv2d(c_in, c, 3, stride=1 if i == 0 else 2, padding=1), nn.ReLU()]
            c_in = c
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, 1)

    def logits(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(image).amax(dim=(2, 3))).squeeze(1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(image))


def closed_labels(ds: Dataset) -> np.ndarray:
    """1 where the measured finger closedness (privileged column) says closed, else 0: float32 [F]."""
    return (ds.priv("finger_closedness") > CLOSED_THRESHOLD).astype(np.float32)


def near_cube(ds: Dataset) -> np.ndarray:
    """Frames whose tool centre is within NEAR_CUBE_M of the cube (diagnostics only): bool [F]."""
    return np.linalg.norm(ds.states[:, :3] - ds.priv("cube_pos"), axis=1) < NEAR_CUBE_M


def predict(model: GripperReadout, frames_u8: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """P(closed) for uint8 frames [F, H, W, 3]: float32 [F]."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(frames_u8), chunk):
            out.append(model(images_to_tensor(frames_u8[i : i + chunk])).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def evaluate_readout(model: GripperReadout, ds: Dataset) -> Dict[str, float]:
    """Held-out accuracy (P > 0.5 vs the label), overall and at the cube, and the mean
    probability on open and on closed frames."""
    p = predict(model, ds.frames)
    y = closed_labels(ds) > 0.5
    right = (p > 0.5) == y
    near = near_cube(ds)
    return {
        "accuracy": float(right.mean()),
        "accuracy_near_cube": float(right[near].mean()) if near.any() else float("nan"),
        "frames_near_cube": int(near.sum()),
        "p_open_mean": float(p[~y].mean()) if (~y).any() else float("nan"),
        "p_closed_mean": float(p[y].mean()) if y.any() else float("nan"),
    }


def train_readout(data: Dataset, val: Optional[Dataset], frames: int, epochs: int, batch: int = 128, lr: float = 2e-3,
                  seed: int = 0, cfg: Optional[ReadoutConfig] = None) -> Tuple[GripperReadout, dict]:
    """Trains on ``frames`` frames drawn without replacement (all when 0 or more than there are);
    returns (model, report). Binary cross-entropy, AdamW, cosine decay; progress on stderr."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    cfg = cfg or ReadoutConfig(image_size=data.image_size, views=len(data.views))
    if cfg.image_size != data.image_size or cfg.views != len(data.views):
        raise ValueError(f"readout expects {cfg.views} view(s) of {cfg.image_size} px, the dataset has {data.views} of {data.image_size} px")
    n = len(data.frames)
    idx = np.sort(rng.choice(n, min(frames, n) if frames > 0 else n, replace=False))
    labels = torch.from_numpy(closed_labels(data)[idx])
    model = GripperReadout(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(idx) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(1.0, s / max(1, steps)))))
    started = time.time()
    print(f"readout: {sum(p.numel() for p in model.parameters()):,} params, {len(idx)} frames "
          f"({float(labels.mean()):.0%} closed), {epochs} epochs, batch {batch}", file=sys.stderr, flush=True)
    step, avg = 0, None
    history = []
    for epoch in range(epochs):
        model.train()
        for order in np.array_split(rng.permutation(len(idx)), max(1, len(idx) // batch)):
            pos = np.sort(order)  # sorted rows read the memory-mapped frames in order
            loss = nn.functional.binary_cross_entropy_with_logits(model.logits(images_to_tensor(data.frames[idx[pos]])), labels[pos])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            avg = float(loss) if avg is None else 0.95 * avg + 0.05 * float(loss)
            if step % 50 == 0 or step == steps:
                elapsed = time.time() - started
                eta = elapsed / step * (steps - step)
                print(f"step {step}/{steps} {100 * step / steps:5.1f}% {fmt_time(elapsed)} eta {fmt_time(eta)} loss {avg:.4f}",
                      file=sys.stderr, flush=True)
        if val is not None:
            metrics = evaluate_readout(model, val)
            history.append({"epoch": epoch + 1, **metrics})
            print("eval " + json.dumps({"epoch": epoch + 1, **{k: round(v, 4) for k, v in metrics.items()}}), file=sys.stderr, flush=True)
    model.eval()
    report = {"frames": int(len(idx)), "epochs": epochs, "steps": step, "minutes": (time.time() - started) / 60,
              "loss": avg, "history": history, "metrics": history[-1] if history else {}}
    return model, report


# ------------------------------------------------------------------------------ files


def save_readout(path: str, model: GripperReadout, extra: Optional[dict] = None) -> None:
    cfg = asdict(model.cfg)
    cfg["channels"] = list(cfg["channels"])
    torch.save({"format": READOUT_FORMAT, "config": cfg, "state": model.state_dict(), "extra": extra or {}}, path)


def load_readout(path: str) -> GripperReadout:
    ckpt = torch.load(path, map_location="cpu")
    if not isinstance(ckpt, dict) or ckpt.get("format") != READOUT_FORMAT:
        raise ValueError(f"{path} is not a {READOUT_FORMAT} checkpoint")
    model = GripperReadout(ReadoutConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["state"])
    return model.eval()


def readout_graph(model: GripperReadout):
    """`image` [1, 3, H, W] -> `gripper` [1]."""
    c = model.cfg
    image = torch.zeros(1, c.in_chans, c.image_size, c.width)
    graph = to_onnx(model.eval(), (image,), ["image"], ["gripper"], None)
    set_output_shape(graph, "gripper", [1])
    return graph


def readout_parity(model: GripperReadout, seed: int = 4321) -> dict:
    """PyTorch outputs on fixed images (float64, rounded to float32), for the TypeScript side."""
    g = np.random.default_rng(seed)
    shape = (model.cfg.image_size, model.cfg.width, model.cfg.in_chans)
    images = [g.integers(0, 256, size=shape, dtype=np.uint8) for _ in range(2)]
    m64 = GripperReadout(model.cfg).double()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    with torch.no_grad():
        out = [parity_floats(m64(images_to_tensor(im[None], torch.float64)))[0] for im in images]
    return {
        "format": READOUT_PARITY_FORMAT,
        "description": "readout.onnx outputs (P(fingers closed)) for fixed rgb8 images preprocessed as the manifest says.",
        "tolerance": 1e-4,
        "images": [parity_image(im) for im in images],
        "gripper": out,
    }


def add_to_model(model_dir: str, model: GripperReadout, weight: float, report: Optional[dict] = None) -> Dict[str, float]:
    """Writes readout.onnx / readout.pt / readout-parity.json into an exported model folder and
    records the readout in its manifests (each precision's). Returns the ONNX-vs-PyTorch max abs difference."""
    manifest_path = os.path.join(model_dir, "manifest.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    size, width = manifest["encoder"]["input"]["height"], manifest["encoder"]["input"]["width"]
    if size != model.cfg.image_size or width != model.cfg.width:
        raise ValueError(f"the model's encoder takes {width}x{size} px images, the readout {model.cfg.width}x{model.cfg.image_size} px")
    if not weight >= 0:
        raise ValueError(f"goal gripper weight must be >= 0, got {weight}")
    save_onnx(readout_graph(model), os.path.join(model_dir, READOUT_FILE))
    save_readout(os.path.join(model_dir, "readout.pt"), model, {"report": report or {}})
    write_json(os.path.join(model_dir, "readout-parity.json"), readout_parity(model))
    g = torch.Generator().manual_seed(11)
    image = torch.randn(1, model.cfg.in_chans, size, width, generator=g)
    with torch.no_grad():
        want = model(image).numpy()
    got = NumpyOnnx(os.path.join(model_dir, READOUT_FILE)).run({"image": image.numpy()})["gripper"]
    for file in folder_manifests(model_dir):  # every precision's manifest names the one fp32 readout
        with open(os.path.join(model_dir, file), encoding="utf-8") as f:
            manifest = json.load(f)
        manifest["goalReadout"] = {"file": READOUT_FILE, "output": "gripper"}
        manifest.setdefault("planning", {})["goalGripperWeight"] = weight
        write_json(os.path.join(model_dir, file), manifest)
    return {"readout.onnx:gripper": float(np.abs(got - want).max())}


def model_views(folder: str) -> List[str]:
    """The camera views an exported model's encoder takes (manifest ``encoder.input.views``; absent = front)."""
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        return list(json.load(f)["encoder"]["input"].get("views", ["front"]))


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Train the goal readout (fingers closed?) and add it to an exported model folder.")
    ap.add_argument("--data", nargs="+", help="dataset folder(s) written by `jepa-mpc collect` (required unless --from)")
    ap.add_argument("--from", dest="from_weights", metavar="READOUT_PT",
                    help="add this trained readout.pt (e.g. one trained into another folder) instead of training one")
    ap.add_argument("--val", help="held-out dataset folder for the accuracy report")
    ap.add_argument("--model", required=True, help="exported model folder (manifest.json) to add the readout to")
    ap.add_argument("--frames", type=int, default=60000, help="training frames drawn from the data (0 = all)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight", type=float, default=DEFAULT_WEIGHT, help="planning.goalGripperWeight written to the manifest")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch and OpenBLAS threads (0 = their defaults: every core)")
    args = ap.parse_args(argv)
    if args.threads > 0:
        use_threads(args.threads)
    if args.from_weights:
        report = torch.load(args.from_weights, map_location="cpu").get("extra", {}).get("report", {})
        report["parity"] = add_to_model(args.model, load_readout(args.from_weights), args.weight, report)
        print(json.dumps(report, indent=2))
        return 0
    if not args.data:
        ap.error("--data is required (or --from READOUT_PT)")
    views = model_views(args.model)  # a one-view model's readout reads the front view of two-view data
    data = Dataset.concat([Dataset.open(d).with_views(views) for d in args.data])
    val = Dataset.open(args.val).with_views(views) if args.val else None
    model, report = train_readout(data, val, args.frames, args.epochs, args.batch, args.lr, args.seed)
    report["parity"] = add_to_model(args.model, model, args.weight, report)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
