"""Export a PatchEncoder + ACPredictor pair as a world model in the jepa-mpc contract
(docs/world-model-contract.md): ``encoder.onnx``, ``rollout-h{H}.onnx``, ``manifest.json``,
plus ``parity.json`` (PyTorch outputs on fixed inputs, for the TypeScript side's CI check).

CLI (from the repository root, Debian's interpreter):

    /usr/bin/python3 -m models.jepa_ac.export --weights models/test-tiny/weights.pt \
        --out models/test-tiny --name test-tiny --horizons 1 3 --predicted 1
"""
from __future__ import annotations

import argparse
import base64
import copy
import io
import json
import os
import sys
import warnings
from dataclasses import asdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import onnx
import torch

from ..flops import annotate_manifest
from .model import ACPredictor, EncoderConfig, PatchEncoder, PredictorConfig, build, count_params
from .onnx_numpy import NumpyOnnx
from .rollout import RolloutEnergy

MANIFEST_FORMAT = "jepa-mpc/world-model@1"
WEIGHTS_FORMAT = "jepa-mpc/jepa-ac-weights@1"
PARITY_FORMAT = "jepa-mpc/parity@1"
OPSET = 17

IMAGE_SCALE = 255.0
IMAGE_MEAN = [0.485, 0.456, 0.406]
IMAGE_STD = [0.229, 0.224, 0.225]

STATE_SPACE = {
    "dim": 7,
    "names": ["x", "y", "z", "roll", "pitch", "yaw", "gripper"],
    "units": ["m", "m", "m", "rad", "rad", "rad", "closedness"],
}
ACTION_SPACE = {
    "dim": 7,
    "names": ["dx", "dy", "dz", "droll", "dpitch", "dyaw", "dgripper"],
    "units": ["m", "m", "m", "rad", "rad", "rad", "closedness"],
}
# The paper's CEM settings (FACTS-VJEPA2-AC.md): 800 x 10, top-10, horizon 1, xyz ±0.075 m,
# rotations pinned, gripper ±0.75 snapped to 0 under 0.25, momentum 0.15 on mean and std.
PAPER_PLANNING = {
    "optimizer": "cem",
    "samples": 800,
    "iterations": 10,
    "elites": 10,
    "horizon": 1,
    "lower": [-0.075, -0.075, -0.075, 0, 0, 0, -0.75],
    "upper": [0.075, 0.075, 0.075, 0, 0, 0, 0.75],
    "pinned": [3, 4, 5],
    "gripperIndex": 6,
    "gripperSnap": 0.25,
    "momentumMean": 0.15,
    "momentumStd": 0.15,
}
CONTROL_PERIOD_S = 0.25
BATCH_SIZES = [1, 64, 800]
# Goal-image schemes of the built-in simulator (src/loop/goals.ts SUBGOAL_SCHEMES).
SUBGOAL_SCHEMES = ("paper", "waypoints", "final")


# ----------------------------------------------------------------------------------- weights


def save_weights(path: str, encoder: PatchEncoder, predictor: ACPredictor, extra: Optional[dict] = None) -> None:
    """Saves both state dicts with their configs (loadable by ``load_weights``)."""
    torch.save(
        {
            "format": WEIGHTS_FORMAT,
            "encoder_config": asdict(encoder.cfg),
            "predictor_config": asdict(predictor.cfg),
            "encoder": encoder.state_dict(),
            "predictor": predictor.state_dict(),
            "image": {"scale": IMAGE_SCALE, "mean": IMAGE_MEAN, "std": IMAGE_STD},
            "extra": extra or {},
        },
        path,
    )


def load_weights(path: str) -> Tuple[PatchEncoder, ACPredictor, dict]:
    """Rebuilds the networks from ``save_weights`` output; returns (encoder, predictor, checkpoint)."""
    ckpt = torch.load(path, map_location="cpu")
    if not isinstance(ckpt, dict) or ckpt.get("format") != WEIGHTS_FORMAT:
        raise ValueError(f"{path} is not a {WEIGHTS_FORMAT} checkpoint")
    encoder, predictor = build(EncoderConfig(**ckpt["encoder_config"]), PredictorConfig(**ckpt["predictor_config"]))
    encoder.load_state_dict(ckpt["encoder"])
    predictor.load_state_dict(ckpt["predictor"])
    return encoder.eval(), predictor.eval(), ckpt


# --------------------------------------------------------------------------------- graphs


def _to_onnx(module: torch.nn.Module, args: tuple, inputs: List[str], outputs: List[str], dynamic: Optional[dict]) -> onnx.ModelProto:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about the shape checks in forward()
        torch.onnx.export(
            module,
            args,
            buf,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
        )
    return onnx.load_from_string(buf.getvalue())


def _set_output_shape(model: onnx.ModelProto, name: str, dims: Sequence) -> None:
    """Writes a readable output shape (torch names inferred symbolic dims after the op)."""
    for out in model.graph.output:
        if out.name == name:
            shape = out.type.tensor_type.shape
            del shape.dim[:]
            for d in dims:
                dim = shape.dim.add()
                if isinstance(d, str):
                    dim.dim_param = d
                else:
                    dim.dim_value = d


def _save(model: onnx.ModelProto, path: str) -> None:
    onnx.checker.check_model(model)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def encoder_graph(encoder: PatchEncoder) -> onnx.ModelProto:
    """`image` [1, 3, H, W] -> `latents` [1, N, D]."""
    c = encoder.cfg
    image = torch.zeros(1, c.in_chans, c.image_size, c.image_size)
    model = _to_onnx(encoder.eval(), (image,), ["image"], ["latents"], None)
    _set_output_shape(model, "latents", [1, c.num_tokens, c.dim])
    return model


def rollout_graph(predictor: ACPredictor, horizon: int, outputs_predicted: bool) -> onnx.ModelProto:
    """`latents` [1,N,D], `state` [1,S], `actions` [B,H,A], `goal` [1,N,D] -> `energy` [B] (+ `predicted` [B,N,D])."""
    c = predictor.cfg
    rollout = RolloutEnergy(predictor.eval(), horizon, outputs_predicted).eval()
    args = (
        torch.zeros(1, c.num_tokens, c.embed_dim),
        torch.zeros(1, c.state_dim),
        torch.zeros(2, horizon, c.action_dim),
        torch.zeros(1, c.num_tokens, c.embed_dim),
    )
    outputs = ["energy"] + (["predicted"] if outputs_predicted else [])
    dynamic = {"actions": {0: "B"}, **{o: {0: "B"} for o in outputs}}
    model = _to_onnx(rollout, args, ["latents", "state", "actions", "goal"], outputs, dynamic)
    _set_output_shape(model, "energy", ["B"])
    if outputs_predicted:
        _set_output_shape(model, "predicted", ["B", c.num_tokens, c.embed_dim])
    return model


# ------------------------------------------------------------------------------- manifest


def manifest_dict(
    name: str,
    description: str,
    enc: EncoderConfig,
    rollouts: Sequence[Tuple[str, int, bool]],
    planning: Optional[dict] = None,
    shadows: bool = False,
    subgoals: Optional[str] = None,
) -> dict:
    """The manifest, keys in the contract document's order. ``rollouts``: (file, horizon, outputsPredicted).
    ``shadows``: the training frames were drawn with shadows, so the simulator must draw them too.
    ``subgoals``: the goal-image scheme the model is measured with ("paper", "waypoints" or "final"; `eval`
    and `scenario` default to it)."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "name": name,
        "description": description,
        "precision": "fp32",
        "controlPeriodS": CONTROL_PERIOD_S,
        "encoder": {
            "file": "encoder.onnx",
            "externalData": [],
            "input": {
                "height": enc.image_size,
                "width": enc.image_size,
                "layout": "NCHW",
                "frames": 1,
                "resize": "center-crop",
                "scale": IMAGE_SCALE,
                "mean": IMAGE_MEAN,
                "std": IMAGE_STD,
            },
            "output": {"tokens": enc.num_tokens, "dim": enc.dim, "layerNormed": True},
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
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=2) + "\n")


# --------------------------------------------------------------------------------- parity


def image_to_tensor(image_u8: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 [H, W, 3] RGB -> float [1, 3, H, W]: (x / scale - mean) / std, as the manifest says."""
    x = torch.from_numpy(image_u8.astype(np.float64)).to(dtype) / IMAGE_SCALE
    x = (x - torch.tensor(IMAGE_MEAN, dtype=dtype)) / torch.tensor(IMAGE_STD, dtype=dtype)
    return x.permute(2, 0, 1).unsqueeze(0).contiguous()


def parity_image(a: np.ndarray) -> dict:
    """An HxWx3 uint8 image as the parity fixture stores it (rgb8, base64)."""
    return {"height": a.shape[0], "width": a.shape[1], "encoding": "rgb8", "base64": base64.b64encode(a.tobytes()).decode("ascii")}


def _floats(t: torch.Tensor) -> List[float]:
    """Flat float32 values, each printed with enough digits to round-trip exactly."""
    return [float(f"{v:.9g}") for v in t.detach().reshape(-1).numpy().astype(np.float32).tolist()]


def parity_inputs(enc: EncoderConfig, pred: PredictorConfig, max_horizon: int, batch: int = 4, seed: int = 1234) -> dict:
    """Fixed random inputs: two images, a state and in-bound actions [batch, max_horizon, A]."""
    g = np.random.default_rng(seed)
    shape = (enc.image_size, enc.image_size, enc.in_chans)
    lo = np.array(PAPER_PLANNING["lower"], dtype=np.float64)
    hi = np.array(PAPER_PLANNING["upper"], dtype=np.float64)
    hi_rot = np.where(hi == lo, 0.05, hi)  # small rotations too, so every input dimension is exercised
    lo_rot = np.where(hi == lo, -0.05, lo)
    actions = g.uniform(lo_rot, hi_rot, size=(batch, max_horizon, pred.action_dim)).astype(np.float32)
    return {
        "image": g.integers(0, 256, size=shape, dtype=np.uint8),
        "goalImage": g.integers(0, 256, size=shape, dtype=np.uint8),
        "state": np.array([[0.45, -0.05, 0.25, 3.1, 0.05, -0.1, 0.3]], dtype=np.float32),
        "actions": actions,
    }


def parity_fixture(
    encoder: PatchEncoder, predictor: ACPredictor, horizons: Sequence[int], predicted: Iterable[int], seed: int = 1234
) -> dict:
    """PyTorch outputs on fixed inputs, for checking an ONNX runtime without Python.

    Computed in float64 and rounded to float32: a float32 forward differs in the last bits with
    the thread count and BLAS, and the file must be byte-identical wherever it is regenerated.
    """
    enc, pred = encoder.cfg, predictor.cfg
    inp = parity_inputs(enc, pred, max(horizons), seed=seed)
    encoder64 = copy.deepcopy(encoder).double().eval()
    predictor64 = copy.deepcopy(predictor).double().eval()
    with torch.no_grad():
        z = encoder64(image_to_tensor(inp["image"], torch.float64))
        goal = encoder64(image_to_tensor(inp["goalImage"], torch.float64))
        state = torch.from_numpy(inp["state"]).double()
        rollouts = []
        for h in horizons:
            actions = torch.from_numpy(inp["actions"][:, :h].copy()).double()
            energy, z_h = RolloutEnergy(predictor64, h, True)(z, state, actions, goal)
            entry = {"horizon": h, "actions": _floats(actions), "energy": _floats(energy)}
            if h in predicted:
                entry["predicted"] = _floats(z_h)
            rollouts.append(entry)

    return {
        "format": PARITY_FORMAT,
        "description": (
            "PyTorch outputs for fixed inputs. image/goalImage: rgb8 HxWx3 row-major, preprocessed as the manifest says "
            "(no resize: already model-sized). latents = encoder(image), goalLatents = encoder(goalImage), flat [N*D]. "
            "Each rollout: actions flat [B*H*A], energy [B] for (latents, state, actions, goalLatents); "
            "predicted flat [B*N*D] where the graph outputs it."
        ),
        "tolerance": 1e-4,
        "tokens": enc.num_tokens,
        "dim": enc.dim,
        "batch": int(inp["actions"].shape[0]),
        "image": parity_image(inp["image"]),
        "goalImage": parity_image(inp["goalImage"]),
        "latents": _floats(z),
        "goalLatents": _floats(goal),
        "state": _floats(state),
        "rollouts": rollouts,
    }


def onnx_parity(out_dir: str, encoder: PatchEncoder, predictor: ACPredictor, rollouts: Sequence[Tuple[str, int, bool]], seed: int = 7) -> Dict[str, float]:
    """Max abs differences between the exported graphs (run by ``onnx.reference`` if this onnx has
    it, else by the package's NumPy evaluator) and PyTorch on random inputs (batch 5)."""
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13

        def runner(path):
            ev = ReferenceEvaluator(path)
            return lambda feeds: dict(zip([o.name for o in ev.proto_.graph.output], ev.run(None, feeds)))

        engine = "onnx.reference"
    except ImportError:

        def runner(path):
            return NumpyOnnx(path).run

        engine = "numpy"
    enc, pred = encoder.cfg, predictor.cfg
    g = torch.Generator().manual_seed(seed)
    image = torch.randn(1, enc.in_chans, enc.image_size, enc.image_size, generator=g)
    report: Dict[str, float] = {}
    with torch.no_grad():
        z = encoder(image)
        got = runner(os.path.join(out_dir, "encoder.onnx"))({"image": image.numpy()})["latents"]
        report["encoder.onnx:latents"] = float(np.abs(got - z.numpy()).max())
        goal = encoder(torch.randn(image.shape, generator=g))
        state = torch.tensor([[0.5, 0.1, 0.2, 3.0, 0.0, 0.1, 0.9]])
        for file, h, has_pred in rollouts:
            actions = (torch.rand(5, h, pred.action_dim, generator=g) * 2 - 1) * torch.tensor(pred.action_scale)
            energy, z_h = RolloutEnergy(predictor, h, True)(z, state, actions, goal)
            feeds = {"latents": z.numpy(), "state": state.numpy(), "actions": actions.numpy(), "goal": goal.numpy()}
            out = runner(os.path.join(out_dir, file))(feeds)
            report[f"{file}:energy"] = float(np.abs(out["energy"] - energy.numpy()).max())
            if has_pred:
                report[f"{file}:predicted"] = float(np.abs(out["predicted"] - z_h.numpy()).max())
    report["engine"] = engine  # type: ignore[assignment]
    return report


# ----------------------------------------------------------------------------------- all


def export_model(
    out_dir: str,
    encoder: PatchEncoder,
    predictor: ACPredictor,
    name: str,
    description: str,
    horizons: Sequence[int] = (1,),
    predicted: Iterable[int] = (),
    planning: Optional[dict] = None,
    parity: bool = True,
    shadows: bool = False,
    subgoals: Optional[str] = None,
) -> dict:
    """Writes encoder.onnx, rollout-h{H}.onnx, manifest.json and parity.json into ``out_dir``.

    Returns a report: parameter counts, file sizes, and (with ``parity``) the ONNX-vs-PyTorch
    max abs differences.
    """
    os.makedirs(out_dir, exist_ok=True)
    encoder.eval()
    predictor.eval()
    predicted = set(predicted)
    _save(encoder_graph(encoder), os.path.join(out_dir, "encoder.onnx"))
    rollouts = []
    for h in horizons:
        file = f"rollout-h{h}.onnx"
        _save(rollout_graph(predictor, h, h in predicted), os.path.join(out_dir, file))
        rollouts.append((file, h, h in predicted))
    write_json(os.path.join(out_dir, "manifest.json"), manifest_dict(name, description, encoder.cfg, rollouts, planning, shadows, subgoals))
    annotate_manifest(out_dir, write=True)  # matmulFlopsPerCandidate per rollout graph, for bench's GFLOP/s
    write_json(os.path.join(out_dir, "parity.json"), parity_fixture(encoder, predictor, horizons, predicted))
    report = {
        "params": {"encoder": count_params(encoder), "predictor": count_params(predictor)},
        "bytes": {f: os.path.getsize(os.path.join(out_dir, f)) for f in sorted(os.listdir(out_dir))},
    }
    if parity:
        report["parity"] = onnx_parity(out_dir, encoder, predictor, rollouts)
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Export a jepa_ac weights file as a jepa-mpc world model (ONNX + manifest).")
    ap.add_argument("--weights", required=True, help="weights.pt written by save_weights")
    ap.add_argument("--out", required=True, help="model folder to write")
    ap.add_argument("--name", required=True)
    ap.add_argument("--description", default="")
    ap.add_argument("--horizons", type=int, nargs="+", default=[1])
    ap.add_argument("--predicted", type=int, nargs="*", default=[], help="horizons whose graph also outputs `predicted`")
    ap.add_argument("--no-parity", action="store_true", help="skip the ONNX-vs-PyTorch check")
    ap.add_argument("--planning", help="JSON file with the manifest's planning block (default: the paper's CEM settings)")
    ap.add_argument("--subgoals", choices=SUBGOAL_SCHEMES,
                    help="the goal-image scheme the model is measured with (eval and scenario default to it)")
    ap.add_argument("--shadows", action="store_true",
                    help="the model was trained on frames with shadows (default: what the weights' training data says)")
    args = ap.parse_args(argv)
    encoder, predictor, ckpt = load_weights(args.weights)
    shadows = args.shadows or bool(ckpt.get("extra", {}).get("render", {}).get("shadows", False))
    planning = None
    if args.planning:
        with open(args.planning, encoding="utf-8") as f:
            planning = json.load(f)
    report = export_model(args.out, encoder, predictor, args.name, args.description, args.horizons, args.predicted, planning, parity=not args.no_parity, shadows=shadows, subgoals=args.subgoals)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
