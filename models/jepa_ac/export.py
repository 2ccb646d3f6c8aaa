"""Export a PatchEncoder + ACPredictor pair as a world model in the jepa-mpc contract
(docs/world-model-contract.md; its names, manifest, parity fixture and rollout loop are
``models.contract``): ``encoder.onnx``, ``rollout-h{H}.onnx``, ``manifest.json``, plus
``parity.json`` (PyTorch outputs on fixed inputs, for the TypeScript side's CI check), and the
ONNX-vs-PyTorch check. ``save_weights``/``load_weights``: the weights file exported from.

CLI (from the repository root, Debian's interpreter):

    /usr/bin/python3 -m models.jepa_ac.export --weights models/test-tiny/weights.pt \
        --out models/test-tiny --name test-tiny --horizons 1 3 --predicted 1

``--quantize int8`` (or ``fp16``: fp16 weights, fp32 compute) also writes the quantised variants
beside the fp32 graphs (``models.jepa_ac.quantize``): ``rollout-h*-int8.onnx`` and
``manifest-int8.json``; load them with ``--model DIR/manifest-int8.json``. A readout or proposer
added to the folder later is not in that manifest: quantise after adding them
(``/usr/bin/python3 -m models.jepa_ac.quantize --model DIR --precision int8``).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from dataclasses import asdict
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np
import onnx
import torch

from ..contract.constants import (
    ENCODER_FILE,
    ENERGY,
    IMAGE,
    IMAGE_MEAN,
    IMAGE_SCALE,
    IMAGE_STD,
    LATENTS,
    MANIFEST_FILE,
    PREDICTED,
    ROLLOUT_INPUTS,
    SUBGOAL_SCHEMES,
)
from ..contract.image import images_to_tensor
from ..contract.manifest import manifest_dict, write_json
from ..contract.parity import FIXTURE_BATCH, FIXTURE_STATE, FIXTURE_TOLERANCE, fixture_actions, parity_document, parity_rollout
from ..flops import annotate_manifest
from .model import ACPredictor, EncoderConfig, PatchEncoder, PredictorConfig, build, count_params
from .onnx_export import save_onnx, set_output_shape, to_onnx
from .onnx_numpy import NumpyOnnx
from .quantize import FP16_WEIGHTS, INT8, quantize_folder
from .rollout import RolloutEnergy

WEIGHTS_FORMAT = "jepa-mpc/jepa-ac-weights@1"


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


def encoder_graph(encoder: PatchEncoder) -> onnx.ModelProto:
    """`image` [1, 3, H, V*W] -> `latents` [1, N, D]."""
    c = encoder.cfg
    image = torch.zeros(1, c.in_chans, c.image_size, c.input_width)
    model = to_onnx(encoder.eval(), (image,), [IMAGE], [LATENTS], None)
    set_output_shape(model, LATENTS, [1, c.num_tokens, c.dim])
    return model


def rollout_graph(predictor: ACPredictor, horizon: int, outputs_predicted: bool) -> onnx.ModelProto:
    """`latents` [1,N,D], `state` [1,S], `actions` [B,H,A], `goal` [1,N,D] -> `energy` [B] (+ `predicted` [B,N,D])."""
    rollout = RolloutEnergy(predictor.eval(), horizon, outputs_predicted).eval()
    trace = rollout.trace()
    model = to_onnx(rollout, trace.args, trace.inputs, trace.outputs, trace.dynamic_axes)
    for name, dims in trace.output_shapes.items():
        set_output_shape(model, name, dims)
    return model


# --------------------------------------------------------------------------------- parity


def parity_inputs(enc: EncoderConfig, pred: PredictorConfig, max_horizon: int, batch: int = FIXTURE_BATCH, seed: int = 1234) -> dict:
    """Fixed random inputs: two images, a state and in-bound actions [batch, max_horizon, A]."""
    g = np.random.default_rng(seed)
    shape = (enc.image_size, enc.input_width, enc.in_chans)
    actions = fixture_actions(g, batch, max_horizon, pred.action_dim)
    return {
        "image": g.integers(0, 256, size=shape, dtype=np.uint8),
        "goalImage": g.integers(0, 256, size=shape, dtype=np.uint8),
        "state": np.array([FIXTURE_STATE], dtype=np.float32),
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
        z = encoder64(images_to_tensor(inp["image"][None], torch.float64))
        goal = encoder64(images_to_tensor(inp["goalImage"][None], torch.float64))
        state = torch.from_numpy(inp["state"]).double()
        rollouts = []
        for h in horizons:
            actions = torch.from_numpy(inp["actions"][:, :h].copy()).double()
            energy, z_h = RolloutEnergy(predictor64, h, True)(z, state, actions, goal)
            rollouts.append(parity_rollout(h, actions, energy, z_h if h in predicted else None))
    return parity_document(
        description=(
            "PyTorch outputs for fixed inputs. image/goalImage: rgb8 HxWx3 row-major, preprocessed as the manifest says "
            "(no resize: already model-sized). latents = encoder(image), goalLatents = encoder(goalImage), flat [N*D]. "
            "Each rollout: actions flat [B*H*A], energy [B] for (latents, state, actions, goalLatents); "
            "predicted flat [B*N*D] where the graph outputs it."
        ),
        tolerance=FIXTURE_TOLERANCE,
        tokens=enc.num_tokens,
        dim=enc.dim,
        batch=int(inp["actions"].shape[0]),
        image=inp["image"],
        goal_image=inp["goalImage"],
        latents=z,
        goal_latents=goal,
        state=state,
        rollouts=rollouts,
    )


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
    image = torch.randn(1, enc.in_chans, enc.image_size, enc.input_width, generator=g)
    report: Dict[str, float] = {}
    with torch.no_grad():
        z = encoder(image)
        got = runner(os.path.join(out_dir, ENCODER_FILE))({IMAGE: image.numpy()})[LATENTS]
        report[f"{ENCODER_FILE}:{LATENTS}"] = float(np.abs(got - z.numpy()).max())
        goal = encoder(torch.randn(image.shape, generator=g))
        state = torch.tensor([[0.5, 0.1, 0.2, 3.0, 0.0, 0.1, 0.9]])
        for file, h, has_pred in rollouts:
            actions = (torch.rand(5, h, pred.action_dim, generator=g) * 2 - 1) * torch.tensor(pred.action_scale)
            energy, z_h = RolloutEnergy(predictor, h, True)(z, state, actions, goal)
            feeds = dict(zip(ROLLOUT_INPUTS, (z.numpy(), state.numpy(), actions.numpy(), goal.numpy())))
            out = runner(os.path.join(out_dir, file))(feeds)
            report[f"{file}:{ENERGY}"] = float(np.abs(out[ENERGY] - energy.numpy()).max())
            if has_pred:
                report[f"{file}:{PREDICTED}"] = float(np.abs(out[PREDICTED] - z_h.numpy()).max())
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
    save_onnx(encoder_graph(encoder), os.path.join(out_dir, ENCODER_FILE))
    rollouts = []
    for h in horizons:
        file = f"rollout-h{h}.onnx"
        save_onnx(rollout_graph(predictor, h, h in predicted), os.path.join(out_dir, file))
        rollouts.append((file, h, h in predicted))
    enc = encoder.cfg
    manifest = manifest_dict(name, description, image_size=enc.image_size, tokens=enc.num_tokens, dim=enc.dim, rollouts=rollouts,
                             planning=planning, shadows=shadows, subgoals=subgoals, views=enc.views)
    write_json(os.path.join(out_dir, MANIFEST_FILE), manifest)
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
    ap.add_argument("--quantize", nargs="+", choices=("int8", "fp16"), default=[],
                    help="also write these precisions' graphs and manifest-<precision>.json (int8: int8 weights per output "
                         "channel + dynamic int8 activations; fp16: fp16 weights cast to fp32, manifest precision fp16-weights)")
    ap.add_argument("--quantize-graphs", choices=("all", "rollout"), default="rollout",
                    help="quantise only the rollouts (default: the time is there; the latents stay exact) or the encoder too (all)")
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
    for q in args.quantize:
        report[f"quantized-{q}"] = quantize_folder(args.out, {"int8": INT8, "fp16": FP16_WEIGHTS}[q], args.quantize_graphs)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
