"""Export the released V-JEPA 2-AC checkpoint as a jepa-mpc world model folder.

    /usr/bin/python3 -m models.vjepa2.export --checkpoint vjepa2-ac-vitg.pt --out models/vjepa2-ac \
        [--fp16] [--quantize int8] [--horizons 1 2] [--image-size 256] [--config vitg] [--force]

Writes (docs/world-model-contract.md, docs/vjepa2-ac.md):
- ``encoder.onnx`` + ``encoder.onnx.data``: `image` [1, 3, 2, H, W] -> `latents` [1, N, D]
  (the frame repeated over the 2-frame tubelet; output LayerNormed without affine);
- ``rollout-h{H}.onnx`` per horizon: latents, state, actions [B, H, 7], goal -> energy [B];
- ``manifest.json`` (float32) with the paper's planning settings; with ``--fp16`` also the
  ``*-fp16.onnx`` graphs and ``manifest-fp16.json`` (load it with ``--model DIR/manifest-fp16.json``);
- with ``--quantize int8`` (or ``fp16-weights``) also ``rollout-h{H}-int8.onnx`` and
  ``manifest-int8.json``: int8 weights with dynamic int8 activations for the CPU provider
  (models/jepa_ac/quantize.py; the encoder stays fp32);
- ``parity.json``: PyTorch outputs on fixed inputs (the format tests/model/parity.test.ts reads);
- ``export-report.json``: parameter counts, file sizes, checkpoint extras and the ONNX-vs-PyTorch
  max abs difference of every graph on random inputs.
Everything is written to a temporary folder next to ``--out`` and renamed at the end, so a
failed export leaves no half-written model folder.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..contract.constants import (
    ENERGY,
    IMAGE,
    LATENTS,
    LAYOUT_VIDEO,
    MANIFEST_FILE,
    PAPER_PLANNING,
    PRECISION_FP16,
    PRECISION_FP32,
    PREDICTED,
    ROLLOUT_INPUTS,
)
from ..contract.image import images_to_tensor
from ..contract.manifest import manifest_dict, write_json
from ..contract.parity import FIXTURE_BATCH, FIXTURE_STATE, FIXTURE_TOLERANCE, fixture_actions, parity_document, parity_rollout
from ..jepa_ac.onnx_export import set_output_shape
from ..jepa_ac.quantize import PRECISIONS, quantize_folder
from .checkpoint import DEFAULT_ENCODER_KEY, CheckpointError, LoadReport, load_vjepa2
from .config import PRESETS, VJepa2Config, preset
from .graphs import EncoderGraph, RolloutGraph
from .model import ACPredictor, VJepa2Encoder, count_params
from .onnx_io import export_graph, graph_runner, save_graph, to_float16

# Above this many parameters the parity fixture is computed in float32 (a float64 copy of
# ViT-g would need ~10 GB more memory) and checked with a looser tolerance.
FLOAT64_FIXTURE_MAX_PARAMS = 50_000_000
# Not measured on the real checkpoint here (no checkpoint, no GPU): 40 float32 blocks may
# drift more than the tiny model's 1e-6; this bound is a guess to be tightened.
TOLERANCE_LARGE = 2e-3
CHECK_BATCH = 5


class ExportError(RuntimeError):
    """The export cannot start (bad arguments, existing output folder)."""


# ------------------------------------------------------------------------------- graphs


def encoder_onnx(encoder: VJepa2Encoder):
    c = encoder.cfg
    image = torch.zeros(1, c.in_chans, encoder.frames, c.image_size, c.image_size)
    model = export_graph(EncoderGraph(encoder).eval(), (image,), [IMAGE], [LATENTS], None)
    set_output_shape(model, LATENTS, [1, c.num_tokens, c.enc_dim])
    return model


def rollout_onnx(predictor: ACPredictor, horizon: int, outputs_predicted: bool):
    rollout = RolloutGraph(predictor, horizon, outputs_predicted).eval()
    trace = rollout.trace()
    model = export_graph(rollout, trace.args, trace.inputs, trace.outputs, trace.dynamic_axes)
    for name, dims in trace.output_shapes.items():
        set_output_shape(model, name, dims)
    return model


def graph_file(stem: str, fp16: bool) -> str:
    return f"{stem}{'-fp16' if fp16 else ''}.onnx"


# ----------------------------------------------------------------------------- manifest


def vjepa2_manifest(name: str, description: str, cfg: VJepa2Config, encoder_data: List[str], rollouts: Sequence[Tuple[str, int, bool]], fp16: bool) -> dict:
    """The contract's manifest with the paper's planning settings: NCTHW input with the frame
    repeated over the tubelet, external encoder data, precision."""
    return manifest_dict(
        name, description, image_size=cfg.image_size, tokens=cfg.num_tokens, dim=cfg.enc_dim, rollouts=rollouts,
        planning=PAPER_PLANNING, precision=PRECISION_FP16 if fp16 else PRECISION_FP32, encoder_file=graph_file("encoder", fp16),
        external_data=encoder_data, layout=LAYOUT_VIDEO, frames=cfg.tubelet,
    )


# ------------------------------------------------------------------------------- parity


def video_tensor(image_u8: np.ndarray, frames: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 [H, W, 3] -> [1, 3, frames, H, W]: preprocessed as the manifest says, the frame repeated."""
    x = images_to_tensor(image_u8[None], dtype)  # [1, 3, H, W]
    return x.unsqueeze(2).expand(1, 3, frames, *image_u8.shape[:2]).contiguous()


def parity_fixture(encoder: VJepa2Encoder, predictor: ACPredictor, rollouts: Sequence[Tuple[str, int, bool]], seed: int = 1234) -> dict:
    """PyTorch outputs on fixed inputs for checking onnxruntime without Python (same format as
    models/jepa_ac). Small models: computed in float64, stored as float32, so regeneration is
    byte-identical across thread counts."""
    cfg = encoder.cfg
    big = count_params(encoder) + count_params(predictor) > FLOAT64_FIXTURE_MAX_PARAMS
    dtype = torch.float32 if big else torch.float64
    enc = encoder if big else copy.deepcopy(encoder).double()
    pred = predictor if big else copy.deepcopy(predictor).double()
    g = np.random.default_rng(seed)
    shape = (cfg.image_size, cfg.image_size, cfg.in_chans)
    image = g.integers(0, 256, size=shape, dtype=np.uint8)
    goal_image = g.integers(0, 256, size=shape, dtype=np.uint8)
    actions = fixture_actions(g, FIXTURE_BATCH, max(h for _, h, _ in rollouts), predictor.cfg.action_dim)
    with torch.no_grad():
        z = EncoderGraph(enc)(video_tensor(image, encoder.frames, dtype))
        goal = EncoderGraph(enc)(video_tensor(goal_image, encoder.frames, dtype))
        state = torch.tensor([FIXTURE_STATE], dtype=dtype)
        entries = []
        for _, h, has_pred in rollouts:
            a = torch.from_numpy(actions[:, :h].copy()).to(dtype)
            energy, z_h = RolloutGraph(pred, h, True)(z, state, a, goal)
            entries.append(parity_rollout(h, a, energy, z_h if has_pred else None))
    return parity_document(
        description=(
            "PyTorch outputs for fixed inputs. image/goalImage: rgb8 HxWx3 row-major, preprocessed as the manifest says "
            "(no resize: already model-sized; the frame repeated over the tubelet). latents = encoder(image), "
            "goalLatents = encoder(goalImage), flat [N*D]. Each rollout: actions flat [B*H*A], energy [B] for "
            "(latents, state, actions, goalLatents); predicted flat [B*N*D] where the graph outputs it."
        ),
        tolerance=TOLERANCE_LARGE if big else FIXTURE_TOLERANCE,
        tokens=cfg.num_tokens,
        dim=cfg.enc_dim,
        batch=FIXTURE_BATCH,
        image=image,
        goal_image=goal_image,
        latents=z,
        goal_latents=goal,
        state=state,
        rollouts=entries,
    )


def onnx_check(folder: str, encoder: VJepa2Encoder, predictor: ACPredictor, rollouts: Sequence[Tuple[str, int, bool]], fp16: bool, seed: int = 7) -> Dict[str, object]:
    """Max abs difference between each saved graph (run by ``onnx.reference`` or the NumPy
    evaluator) and PyTorch float32 on random inputs (batch 5); float16 graphs get float16 inputs."""
    cfg = encoder.cfg
    g = torch.Generator().manual_seed(seed)
    image = torch.randn(1, 3, encoder.frames, cfg.image_size, cfg.image_size, generator=g)
    goal_image = torch.randn(image.shape, generator=g)
    state = torch.tensor([FIXTURE_STATE])
    report: Dict[str, object] = {}
    precisions = [False, True] if fp16 else [False]
    with torch.no_grad():
        z = EncoderGraph(encoder)(image)
        goal = EncoderGraph(encoder)(goal_image)
        for half in precisions:
            np_dtype = np.float16 if half else np.float32
            engine, run = graph_runner(os.path.join(folder, graph_file("encoder", half)))
            report["engine"] = engine
            got = run({IMAGE: image.numpy().astype(np_dtype)})[LATENTS]
            report[f"{graph_file('encoder', half)}:{LATENTS}"] = float(np.abs(got.astype(np.float32) - z.numpy()).max())
        for file, h, has_pred in rollouts:
            actions = torch.from_numpy(fixture_actions(np.random.default_rng(seed + h), CHECK_BATCH, h, predictor.cfg.action_dim))
            energy, z_h = RolloutGraph(predictor, h, True)(z, state, actions, goal)
            for half in precisions:
                np_dtype = np.float16 if half else np.float32
                name = file.replace(".onnx", "-fp16.onnx") if half else file
                feeds = dict(zip(ROLLOUT_INPUTS, (z.numpy(), state.numpy(), actions.numpy(), goal.numpy())))
                out = graph_runner(os.path.join(folder, name))[1]({k: v.astype(np_dtype) for k, v in feeds.items()})
                report[f"{name}:{ENERGY}"] = float(np.abs(out[ENERGY].astype(np.float32) - energy.numpy()).max())
                if has_pred:
                    report[f"{name}:{PREDICTED}"] = float(np.abs(out[PREDICTED].astype(np.float32) - z_h.numpy()).max())
    return report


# ---------------------------------------------------------------------------------- folder


def write_folder(
    folder: str, encoder: VJepa2Encoder, predictor: ACPredictor, name: str, description: str,
    horizons: Sequence[int], predicted: Sequence[int] = (), fp16: bool = False, check: bool = True,
) -> dict:
    """Writes every file of the model into an existing (empty) ``folder``; returns the report."""
    encoder.eval()
    predictor.eval()
    cfg = encoder.cfg
    enc_proto = encoder_onnx(encoder)
    variants = [False, True] if fp16 else [False]
    rollouts = [(graph_file(f"rollout-h{h}", False), h, h in predicted) for h in horizons]
    # float16 copy first: saving with external data empties the proto's tensors in place
    enc_protos = {half: to_float16(enc_proto) if half else enc_proto for half in sorted(variants, reverse=True)}
    for half in variants:
        proto = enc_protos[half]
        data = save_graph(proto, os.path.join(folder, graph_file("encoder", half)), external_data=True)
        files = [(graph_file(f"rollout-h{h}", half), h, p) for _, h, p in rollouts]
        manifest = vjepa2_manifest(name, description, cfg, data, files, half)
        write_json(os.path.join(folder, "manifest-fp16.json" if half else MANIFEST_FILE), manifest)
    del enc_proto, enc_protos
    for file, h, p in rollouts:
        proto = rollout_onnx(predictor, h, p)
        if fp16:
            save_graph(to_float16(proto), os.path.join(folder, graph_file(f"rollout-h{h}", True)), external_data=False)
        # the full predictor is ~1.2 GB in float32: one file is fine below protobuf's 2 GB
        save_graph(proto, os.path.join(folder, file), external_data=False)
    write_json(os.path.join(folder, "parity.json"), parity_fixture(encoder, predictor, rollouts))
    report: dict = {
        "params": {"encoder": count_params(encoder), "predictor": count_params(predictor)},
        "bytes": {f: os.path.getsize(os.path.join(folder, f)) for f in sorted(os.listdir(folder))},
    }
    if check:
        report["parity"] = onnx_check(folder, encoder, predictor, rollouts, fp16)
    return report


def replace_folder(out: str, build, force: bool) -> dict:
    """Runs ``build(tmp)`` in a fresh folder next to ``out`` and renames it to ``out`` only when
    it succeeded; an existing ``out`` is replaced only with ``force``."""
    out = os.path.abspath(out)
    if os.path.exists(out) and not force:
        raise ExportError(f"{out} already exists; pass --force to replace it")
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.partial-", dir=parent)
    try:
        os.chmod(tmp, 0o755)
        report = build(tmp)
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=parent)
            os.rename(out, os.path.join(old, "previous"))
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
        return report
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def export_checkpoint(
    checkpoint: str, out: str, config: str = "vitg", image_size: Optional[int] = None, horizons: Sequence[int] = (1,),
    predicted: Sequence[int] = (), fp16: bool = False, name: Optional[str] = None, check: bool = True,
    force: bool = False, encoder_key: str = DEFAULT_ENCODER_KEY, report_file: bool = True, description: Optional[str] = None,
    quantize: Sequence[str] = (),
) -> dict:
    """Loads ``checkpoint`` strictly and writes the model folder ``out`` atomically; ``quantize``:
    precisions (``models.jepa_ac.quantize.PRECISIONS``) whose rollout variants are written too."""
    if os.path.exists(os.path.abspath(out)) and not force:
        raise ExportError(f"{os.path.abspath(out)} already exists; pass --force to replace it")
    cfg = preset(config, image_size)
    bad = [h for h in horizons if not 1 <= h <= cfg.max_frames]
    if bad or len(set(horizons)) != len(horizons) or 1 not in horizons:
        raise ExportError(f"horizons must be distinct, within [1, {cfg.max_frames}] and include 1 (the paper's); got {list(horizons)}")
    t0 = time.time()
    encoder, predictor, loaded = load_vjepa2(checkpoint, cfg, encoder_key)
    name = name or f"vjepa2-ac-{config}"
    description = description or (
        f"V-JEPA 2-AC ({config}: encoder {count_params(encoder):,} + predictor {count_params(predictor):,} parameters) "
        f"exported from {os.path.basename(checkpoint)} by models/vjepa2/export.py; image {cfg.image_size}x{cfg.image_size}, "
        f"{cfg.num_tokens} tokens x {cfg.enc_dim}."
    )

    def build(folder: str) -> dict:
        report = write_folder(folder, encoder, predictor, name, description, horizons, predicted, fp16, check)
        for precision in quantize:
            report[f"quantized-{precision}"] = quantize_folder(folder, precision, "rollout", check=check)
        report["checkpoint"] = {"file": os.path.abspath(checkpoint), **_loaded(loaded)}
        report["seconds"] = round(time.time() - t0, 1)
        if report_file:
            write_json(os.path.join(folder, "export-report.json"), report)
        return report

    return replace_folder(out, build, force)


def _loaded(r: LoadReport) -> dict:
    return {"extraKeys": r.extra, "dtypes": r.dtypes, "ignoredEntries": r.ignored_entries}


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Export the V-JEPA 2-AC checkpoint (vjepa2-ac-vitg.pt) as a jepa-mpc world model folder.")
    ap.add_argument("--checkpoint", required=True, help="the released checkpoint file")
    ap.add_argument("--out", required=True, help="model folder to create (written to a temp folder, renamed at the end)")
    ap.add_argument("--config", default="vitg", choices=sorted(PRESETS), help="network sizes (default vitg, the release)")
    ap.add_argument("--image-size", type=int, default=None, help="input side in pixels (default: the config's, 256 for vitg)")
    ap.add_argument("--horizons", type=int, nargs="+", default=[1], help="rollout graphs to write (default 1; must include 1)")
    ap.add_argument("--predicted", type=int, nargs="*", default=[], help="horizons whose graph also outputs `predicted`")
    ap.add_argument("--fp16", action="store_true", help="also write float16 graphs and manifest-fp16.json")
    ap.add_argument("--quantize", nargs="+", choices=PRECISIONS, default=[],
                    help="also write these CPU precisions' rollout graphs and manifest-<precision>.json (int8: int8 weights + "
                         "dynamic int8 activations; fp16-weights: fp16 weights cast to fp32)")
    ap.add_argument("--name", default=None, help="manifest name (default vjepa2-ac-<config>)")
    ap.add_argument("--encoder-key", default=DEFAULT_ENCODER_KEY, help="checkpoint entry holding the encoder (default 'encoder'; 'target_encoder' in training saves)")
    ap.add_argument("--no-parity", action="store_true", help="skip the ONNX-vs-PyTorch check (slow for the full model on CPU)")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = ap.parse_args(argv)
    try:
        report = export_checkpoint(
            args.checkpoint, args.out, args.config, args.image_size, args.horizons, args.predicted, args.fp16,
            args.name, check=not args.no_parity, force=args.force, encoder_key=args.encoder_key, quantize=args.quantize,
        )
    except (CheckpointError, ExportError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
