"""Training of the sim world model: a V-JEPA 2-AC-shaped encoder + action-conditioned predictor
(models/jepa_ac/model.py) trained end to end on ``jepa-mpc collect`` data, CPU only.

    /usr/bin/python3 -m models.jepa_ac.train --data /tmp/jepa-data/train64 --val /tmp/jepa-data/val64 \
        --out /tmp/sim-jepa-ac/weights.pt --preset sim64 --max-minutes 60

The losses are in ``losses.py`` (their definitions and why), the clip samplers in ``samplers.py``,
the settings and presets in ``train_config.py``.

A third stage, ``--freeze-encoder``, trains the predictor alone on latents cached once from the
frozen encoder (teacher-forcing, rollout, gripper-contrast and counterfactual losses): for when the
encoder's landscape is already good and predictions are the planner's limit. On this CPU the
predictor dominates a step (4 frames x 18 tokens through 4 blocks, plus the 3-step rollout), so it
saves only ~30 %.

Held-out diagnostics (``evaluate``, every ``eval_every`` steps and at the end) are in
``diagnostics.py``; the latent operations both use (rollout, gripper events) in ``latent_ops.py``,
the energy in ``models.contract.rollout``; the resume file, the budget's clock and the stop
signals in ``run_state.py``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict, replace
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from .dataset import Dataset
from .diagnostics import encode_frames, evaluate
from .export import save_weights
from .finger_probe import finger_probe
from .grow import grow_encoder, grow_views
from .latent_ops import GRIPPER
from .losses import losses, predictor_losses
from .model import ACPredictor, PatchEncoder, build, count_params
from .progress import fmt_time
from .run_state import RESUME_EVERY_S, RESUME_FORMAT, RESUME_SUFFIX, StopSignals, compute_seconds, load_resume
from .samplers import ClipSampler, LatentClipSampler
from .train_config import PRESETS, TrainConfig
from .threads import use_threads

__all__ = ["PRESETS", "RESUME_SUFFIX", "TrainConfig", "load_resume", "main", "train"]


def held_out(encoder: PatchEncoder, predictor: ACPredictor, val: Dataset) -> Dict[str, float]:
    """The held-out diagnostics logged every ``eval_every`` steps: energy landscape and the fingers."""
    return {**evaluate(encoder, predictor, val), **finger_probe(encoder, val)}


def train(
    cfg: TrainConfig,
    data: Dataset,
    out: str,
    val: Optional[Dataset] = None,
    max_minutes: float = 0.0,
    log_path: Optional[str] = None,
    init: Optional[str] = None,
    freeze_encoder: bool = False,
    resume: bool = False,
    stop_after: int = 0,
) -> Dict[str, object]:
    """Trains from scratch (or from ``init`` weights); saves ``out`` at each evaluation and at the
    end, and every few minutes a resume file ``out`` + RESUME_SUFFIX (weights, optimizer, step,
    time used, random states). With ``resume`` and that file present, the run continues where it
    stopped, the learning-rate schedule included (it follows the steps and the minutes used).
    ``stop_after`` > 0 ends this invocation after that many steps with the resume file written
    (a run split over sessions); so does SIGTERM or SIGINT (``StopSignals``). Returns a summary
    with the last losses and metrics."""
    with StopSignals() as stop:
        return _train(cfg, data, out, val, max_minutes, log_path, init, freeze_encoder, resume, stop_after, stop)


def _train(
    cfg: TrainConfig,
    data: Dataset,
    out: str,
    val: Optional[Dataset],
    max_minutes: float,
    log_path: Optional[str],
    init: Optional[str],
    freeze_encoder: bool,
    resume: bool,
    stop_after: int,
    stop: StopSignals,
) -> Dict[str, object]:
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    encoder, predictor = build(cfg.encoder, cfg.predictor)
    if init:
        from .export import load_weights

        e0, p0, _ = load_weights(init)
        if cfg.encoder.view_count > e0.cfg.view_count:  # a hand camera beside the trained view (grow.py)
            added = grow_views(encoder, e0, predictor, p0)
            print(f"grew the --init model from views {e0.cfg.views} to {cfg.encoder.views} ({added} added; depth {e0.cfg.depth} -> {cfg.encoder.depth})", file=sys.stderr, flush=True)
        else:
            if cfg.encoder.depth > e0.cfg.depth:  # a deeper preset from shallower weights: grow (grow.py)
                added = grow_encoder(encoder, e0)
                print(f"grew the --init encoder from depth {e0.cfg.depth} to {cfg.encoder.depth}: {added} identity blocks added", file=sys.stderr, flush=True)
            else:
                encoder.load_state_dict(e0.state_dict())
            predictor.load_state_dict(p0.state_dict())
        if cfg.predictor.residual and not p0.cfg.residual:
            # switching to a residual predictor: start from "copy the frame" (zero delta)
            torch.nn.init.zeros_(predictor.out_proj.weight)
            torch.nn.init.zeros_(predictor.out_proj.bias)
    if freeze_encoder and not init:
        raise ValueError("--freeze-encoder needs --init weights (an untrained encoder has nothing to keep)")
    if cfg.w_counterfactual < 0 or cfg.w_counterfactual_diff < 0:
        raise ValueError(f"the counterfactual weights must be >= 0, got {cfg.w_counterfactual}, {cfg.w_counterfactual_diff}")
    uses_cf = cfg.w_counterfactual > 0 or cfg.w_counterfactual_diff > 0
    if uses_cf and not freeze_encoder:
        raise ValueError("the counterfactual losses (--counterfactual, --counterfactual-diff) are only implemented for the frozen-encoder stage (--freeze-encoder)")
    if uses_cf and not data.has_counterfactual:
        raise ValueError(f"the counterfactual losses (--counterfactual, --counterfactual-diff) need a dataset collected with --counterfactual; {data.root} has no counterfactual arrays")
    started = compute_seconds()
    sampler: "ClipSampler | LatentClipSampler"
    if freeze_encoder:
        encoder.eval()
        for p_ in encoder.parameters():
            p_.requires_grad_(False)
        print(f"caching latents of {len(data.frames)} frames with the frozen encoder", file=sys.stderr, flush=True)
        cf_latents = None
        if uses_cf and data.cf_frames is not None:
            print(f"caching latents of {len(data.cf_frames)} counterfactual frames", file=sys.stderr, flush=True)
            cf_latents = encode_frames(encoder, data.cf_frames)
        sampler = LatentClipSampler(data, encode_frames(encoder, data.frames), cfg.clip_steps, rng, cfg.gripper_clips, cf_latents)
        params = list(predictor.parameters())
    else:
        encoder.train()
        sampler = ClipSampler(data, cfg.clip_steps, rng, cfg.gripper_clips, twin=cfg.w_invariance > 0)
        params = list(encoder.parameters()) + list(predictor.parameters())
    predictor.train()
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    budget = max_minutes * 60.0
    history: List[dict] = []
    log = open(log_path, "a", encoding="utf-8") if log_path else None
    avg: Dict[str, float] = {}
    step = 0
    metrics: Dict[str, float] = {}
    resume_path = out + RESUME_SUFFIX
    if resume and os.path.exists(resume_path):
        state = load_resume(resume_path, cfg)
        encoder.load_state_dict(state["encoder"])
        predictor.load_state_dict(state["predictor"])
        opt.load_state_dict(state["optimizer"])
        step, avg, history, metrics = state["step"], state["avg"], state["history"], state["metrics"]
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        started = compute_seconds() - state["seconds"]
        print(f"resuming {resume_path}: step {step}, {state['seconds'] / 60:.1f} min used", file=sys.stderr, flush=True)
    elif resume:
        print(f"no {resume_path} yet: starting the run", file=sys.stderr, flush=True)
    last_resume_save = time.time()
    first_step = step

    def save_resume() -> None:
        tmp = resume_path + ".tmp"
        torch.save({"format": RESUME_FORMAT, "train_config": asdict(cfg), "encoder": encoder.state_dict(), "predictor": predictor.state_dict(),
                    "optimizer": opt.state_dict(), "step": step, "avg": avg, "history": history, "metrics": metrics,
                    "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "seconds": compute_seconds() - started}, tmp)
        os.replace(tmp, resume_path)

    def progress() -> float:
        p = step / cfg.steps
        if budget > 0:
            p = max(p, (compute_seconds() - started) / budget)
        return min(1.0, p)

    def checkpoint(final: bool) -> None:
        extra = {"train_config": asdict(cfg), "step": step, "minutes": (compute_seconds() - started) / 60, "metrics": metrics, "data": data.root,
                 "render": {"shadows": data.shadows}}
        save_weights(out, encoder, predictor, extra)
        save_resume()

    print(f"training: encoder {count_params(encoder):,} + predictor {count_params(predictor):,} params, "
          f"{len(data.episodes)} episodes / {len(data.frames)} frames, batch {cfg.batch}, up to {cfg.steps} steps"
          + (f" or {max_minutes:g} min" if budget else ""), file=sys.stderr, flush=True)
    while progress() < 1.0:
        if (stop_after and step - first_step >= stop_after) or stop.requested:
            checkpoint(False)
            why = stop.requested or f"stopped after {stop_after} steps"
            print(f"{why} at step {step}; continue with --resume", file=sys.stderr, flush=True)
            if log:
                log.close()
            return {"steps": step, "minutes": (compute_seconds() - started) / 60, "losses": avg, "metrics": metrics, "history": history, "stopped": True}
        p = progress()
        lr = cfg.lr * min(1.0, (step + 1) / max(1, cfg.warmup)) * 0.5 * (1 + math.cos(math.pi * p))
        for group in opt.param_groups:
            group["lr"] = lr
        batch = sampler.sample(cfg.batch)
        parts = predictor_losses(predictor, batch, cfg) if freeze_encoder else losses(encoder, predictor, batch, cfg)
        opt.zero_grad(set_to_none=True)
        parts["loss"].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        for k, v in parts.items():
            avg[k] = 0.9 * avg.get(k, float(v)) + 0.1 * float(v)
        if step % cfg.log_every == 0 or step == 1:
            elapsed = compute_seconds() - started
            pr = progress()
            eta = elapsed / max(pr, 1e-9) - elapsed
            line = " ".join(f"{k} {v:.4f}" for k, v in avg.items())
            print(f"step {step} {100 * pr:5.1f}% {fmt_time(elapsed)} eta {fmt_time(eta)} lr {lr:.2e} {line}", file=sys.stderr, flush=True)
            if log:
                log.write(json.dumps({"step": step, "elapsed": elapsed, "wall": time.time(), "lr": lr, **avg}) + "\n")
                log.flush()
        if time.time() - last_resume_save > RESUME_EVERY_S:
            save_resume()
            last_resume_save = time.time()
        if val is not None and cfg.eval_every and step % cfg.eval_every == 0:
            metrics = held_out(encoder, predictor, val)
            print("eval " + json.dumps({"step": step, **{k: round(v, 4) for k, v in metrics.items()}}), file=sys.stderr, flush=True)
            if log:
                log.write(json.dumps({"step": step, "eval": metrics}) + "\n")
                log.flush()
            history.append({"step": step, **metrics})
            checkpoint(False)
            predictor.train()
            if not freeze_encoder:
                encoder.train()
    if val is not None:
        metrics = held_out(encoder, predictor, val)
        history.append({"step": step, **metrics})
        print("final eval " + json.dumps({k: round(v, 4) for k, v in metrics.items()}), file=sys.stderr, flush=True)
    checkpoint(True)
    if log:
        log.close()
    return {"steps": step, "minutes": (compute_seconds() - started) / 60, "losses": avg, "metrics": metrics, "history": history}


def preset_views(ds: Dataset, cfg: TrainConfig, preset: str) -> Dataset:
    """``ds`` with the preset's camera views only (a one-view preset trains on the front view of a
    two-view collection); a view the preset takes and the dataset lacks stops the run."""
    if not set(cfg.encoder.views) <= set(ds.views):
        raise SystemExit(f"{ds.root} has views {ds.views}, preset {preset} takes {cfg.encoder.views} (collect --wrist records front and wrist)")
    if ds.views != cfg.encoder.views:
        print(f"{ds.root}: using its {', '.join(cfg.encoder.views)} view(s) of {', '.join(ds.views)} (preset {preset})", file=sys.stderr, flush=True)
    return ds.with_views(cfg.encoder.views)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Train the sim JEPA world model (CPU).")
    ap.add_argument("--data", required=True, nargs="+", help="dataset folder(s) written by `jepa-mpc collect` (several are joined)")
    ap.add_argument("--val", help="held-out dataset folder for the diagnostics")
    ap.add_argument("--out", required=True, help="weights file to write (export.py's format)")
    ap.add_argument("--preset", default="sim64", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, help="optimizer steps (default: the preset's)")
    ap.add_argument("--batch", type=int, help="clips per step (default: the preset's)")
    ap.add_argument("--lr", type=float)
    ap.add_argument("--max-minutes", type=float, default=0.0, help="stop after this many minutes of the cores the run may use (CPU time over torch threads: compute_seconds; the LR schedule follows it)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="torch and OpenBLAS threads (default 2)")
    ap.add_argument("--log", help="append JSON lines of losses and metrics here")
    ap.add_argument("--init", help="start from these weights (same preset sizes; a preset with a deeper encoder grows the weights' encoder with identity blocks, grow.py)")
    ap.add_argument("--cube-weight", type=float, help="metric term for the task cube's displacement, metres per metre (training-time simulator truth; default: the preset's, 0)")
    ap.add_argument("--gripper-clips", type=float, help="fraction of each batch drawn around gripper open/close actions (default: the preset's, 0)")
    ap.add_argument("--gripper-contrast", type=float, help="weight of the gripper-contrast ranking loss: the real gripper action's prediction must beat the other choice's by --gripper-margin (default: the preset's, 0)")
    ap.add_argument("--gripper-margin", type=float, help="energy margin of the gripper contrast (default 0.01)")
    ap.add_argument("--gripper-hold-weight", type=float, help="weight of the hold steps against the event steps in the gripper contrast (default 1; 0 = event steps only)")
    ap.add_argument("--gripper-hold-trained", action="store_true", help="let the gripper contrast move the 'hold' prediction of event steps too (default: a fixed reference)")
    ap.add_argument("--gripper-plain-mean", action="store_true", help="one mean of the gripper contrast over all steps (default: event and hold steps averaged apart)")
    ap.add_argument("--effective-gripper", action="store_true", help="the predictor sees the gripper action as the change it makes (clipped to [0, 1]): opening open fingers is holding (default: the raw action)")
    ap.add_argument("--freeze-encoder", action="store_true", help="keep the --init encoder fixed and train the predictor on cached latents")
    ap.add_argument("--counterfactual", type=float, metavar="W",
                    help="weight of the L1 loss of one-step predictions under the counterfactual gripper action against the encoded "
                         "counterfactual frames; needs a dataset collected with --counterfactual and --freeze-encoder (default: the preset's, 0)")
    ap.add_argument("--counterfactual-diff", type=float, metavar="W",
                    help="weight of the L1 between the predicted effect of the gripper choice (one-step prediction under the real action "
                         "minus under the counterfactual one) and the real effect (next latent minus counterfactual latent); same needs as "
                         "--counterfactual (default 0)")
    ap.add_argument("--near-rank", type=float, metavar="W", help="weight of the near-goal ranking hinge (losses.near_rank_loss: frames within 6 cm of an anchor ordered by distance; default 0 = off)")
    ap.add_argument("--invariance", type=float, metavar="W", help="weight of the appearance-invariance terms on twin frames (datasets collected with --randomise ... --twin; default 0 = off)")
    ap.add_argument("--no-verify", action="store_true", help="skip the dataset sha256 check")
    ap.add_argument("--summary", help="write the run summary JSON here")
    ap.add_argument("--stop-after", type=int, default=0, help="end this invocation after N steps, resumable with --resume (0 = run to the end)")
    ap.add_argument("--resume", action="store_true", help=f"continue a stopped run from OUT{RESUME_SUFFIX} (written every {RESUME_EVERY_S / 60:g} min and at each evaluation) when it exists; same flags needed")
    args = ap.parse_args(argv)
    use_threads(args.threads)
    cfg = PRESETS[args.preset]
    cfg = TrainConfig(**{**cfg.__dict__, "seed": args.seed})
    if args.steps:
        cfg.steps = args.steps
    if args.batch:
        cfg.batch = args.batch
    if args.lr:
        cfg.lr = args.lr
    if args.cube_weight is not None:
        cfg.w_cube = args.cube_weight
    if args.gripper_clips is not None:
        cfg.gripper_clips = args.gripper_clips
    if args.effective_gripper:
        cfg.predictor = replace(cfg.predictor, gripper_index=GRIPPER)
    if args.gripper_contrast is not None:
        cfg.w_gripper_contrast = args.gripper_contrast
    if args.gripper_hold_weight is not None:
        cfg.gripper_hold_weight = args.gripper_hold_weight
    if args.gripper_plain_mean:
        cfg.gripper_balance = False
    if args.gripper_hold_trained:
        cfg.gripper_hold_fixed = False
    for flag, field in (("near_rank", "w_near_rank"), ("invariance", "w_invariance")):  # weights of losses that train the encoder
        w = getattr(args, flag)
        if w is None:
            continue
        name = "--" + flag.replace("_", "-")
        if w < 0:
            ap.error(f"{name} must be >= 0, got {w:g}")
        if w > 0 and args.freeze_encoder:
            ap.error(f"{name} trains the encoder: it does not mix with --freeze-encoder")
        setattr(cfg, field, w)
    if args.gripper_margin is not None:
        cfg.gripper_margin = args.gripper_margin
    for flag, field in (("counterfactual", "w_counterfactual"), ("counterfactual_diff", "w_counterfactual_diff")):
        w = getattr(args, flag)
        if w is None:
            continue
        name = "--" + flag.replace("_", "-")
        if w < 0:
            ap.error(f"{name} must be >= 0, got {w:g}")
        if w > 0 and not args.freeze_encoder:
            ap.error(f"{name} is only implemented for the frozen-encoder stage: add --freeze-encoder (and --init)")
        setattr(cfg, field, w)
    parts = [preset_views(Dataset.open(d, verify=not args.no_verify), cfg, args.preset) for d in args.data]
    if cfg.w_counterfactual > 0 or cfg.w_counterfactual_diff > 0:
        missing = [d.root for d in parts if not d.has_counterfactual]
        if missing:
            ap.error(f"--counterfactual/--counterfactual-diff need datasets collected with --counterfactual; no counterfactual arrays in: {', '.join(missing)}")
    data = Dataset.concat(parts)
    val = preset_views(Dataset.open(args.val, verify=not args.no_verify), cfg, args.preset) if args.val else None
    if data.image_size != cfg.encoder.image_size:
        raise SystemExit(f"dataset images are {data.image_size} px, preset {args.preset} expects {cfg.encoder.image_size}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    summary = train(cfg, data, args.out, val, args.max_minutes, args.log, args.init, args.freeze_encoder, args.resume, args.stop_after)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
