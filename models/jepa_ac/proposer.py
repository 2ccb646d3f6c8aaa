"""Subgoal proposer: from the first frame and ONE goal image, the latent subgoals between them.

Why: the world model plans one step ahead and its energy barely tracks the cube, so planning
straight toward a 'placed' image moves the arm toward where the hand ends, not to the cube first
(flat planning from one goal image: MODEL_CARD.md). Given the episode's first frame and the
final goal, this network proposes the latents of the stages a demonstration passes through
(hover, at the cube, grasped, near the target, lowered — the waypoint scheme) and the gripper
closedness at each stage and at the goal; the planner then chases them in turn, as it does goal
images. Trained on the scripted expert's demonstrations (`jepa-mpc collect-goals`: layout seeds
disjoint from eval's) with the world model's frozen encoder; at run time it sees only latents and
the 7-D state — never the cube's pose.

Graph (`proposer.onnx`): `latents` [1, N, D] (the first frame), `goal` [1, N, D], `state` [1, S]
-> `subgoals` [1, K, N, D] (LayerNormed like the encoder's output), `grippers` [1, K + 1] (the
closedness at each subgoal, then at the goal).

CLI (adds proposer.onnx, proposer.pt and proposer-parity.json to an exported model folder and the
``subgoalProposer`` block to its manifest):

    /usr/bin/python3 -m models.jepa_ac.proposer --data /tmp/jepa-goals/a /tmp/jepa-goals/b \
        --model models/sim-jepa-ac --minutes 15 --seed 0
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..contract.image import images_to_tensor
from ..contract.rollout import energy
from .export import load_weights
from .proposer_files import add_to_model, load_proposer
from .proposer_model import GRIPPER_INDEX, STATE_DIM, ProposerConfig, SubgoalProposer
from .threads import use_threads

GOAL_SETS_FORMAT = "jepa-mpc/goal-sets@1"


# ------------------------------------------------------------------------------ data


class GoalSets:
    """A `jepa-mpc collect-goals` folder (or several, concatenated): frames [M, 1 + K, H, W, 3],
    states [M, 1 + K, 7] (at the first frame, then at each goal frame), names ['start', subgoal names...]."""

    def __init__(self, frames: np.ndarray, states: np.ndarray, names: List[str], meta: dict):
        self.frames, self.states, self.names, self.meta = frames, states, names, meta

    @staticmethod
    def open(path: str) -> "GoalSets":
        with open(os.path.join(path, "manifest.json"), encoding="utf-8") as f:
            meta = json.load(f)
        if meta.get("format") != GOAL_SETS_FORMAT:
            raise ValueError(f"{path} is not a {GOAL_SETS_FORMAT} folder")
        m, views, h, w = meta["count"], len(meta["names"]), meta["height"], meta["width"]
        frames = np.fromfile(os.path.join(path, "frames.u8"), dtype=np.uint8)
        states = np.fromfile(os.path.join(path, "states.f32"), dtype="<f4")
        if frames.size != m * views * h * w * 3 or states.size != m * views * STATE_DIM:
            raise ValueError(f"{path}: array sizes do not match the manifest ({m} sets of {views} frames)")
        if not np.isfinite(states).all():
            raise ValueError(f"{path}: states.f32 holds non-finite values")
        return GoalSets(frames.reshape(m, views, h, w, 3), states.reshape(m, views, STATE_DIM), meta["names"], meta)

    @staticmethod
    def concat(parts: Sequence["GoalSets"]) -> "GoalSets":
        if any(p.names != parts[0].names or p.frames.shape[1:] != parts[0].frames.shape[1:] for p in parts):
            raise ValueError("goal-set folders differ in scheme or image size")
        return GoalSets(np.concatenate([p.frames for p in parts]), np.concatenate([p.states for p in parts]), parts[0].names, parts[0].meta)


@torch.no_grad()
def encode_sets(encoder, frames: np.ndarray, chunk: int = 512) -> torch.Tensor:
    """uint8 [M, V, H, W, 3] -> latents [M, V, N, D] with the world model's encoder."""
    m, v = frames.shape[:2]
    flat = frames.reshape(m * v, *frames.shape[2:])
    z = torch.cat([encoder(images_to_tensor(flat[i : i + chunk])) for i in range(0, len(flat), chunk)], dim=0)
    return z.reshape(m, v, *z.shape[1:])


def split(latents: torch.Tensor, states: torch.Tensor):
    """Inputs and targets from encoded sets: first frame, final goal, start state; the middle
    subgoals' latents and every stage's gripper (the subgoals', then the goal's)."""
    first, goal, middle = latents[:, 0], latents[:, -1], latents[:, 1:-1]
    grippers = states[:, 1:, GRIPPER_INDEX].clamp(0, 1)
    return first, goal, states[:, 0], middle, grippers


# ------------------------------------------------------------------------------ training


# The paper scheme's goal images among the waypoint stages (src/loop/goals.ts: grasped, near target,
# placed; placed is the goal): the given stages a conditional proposer is also scored with.
PAPER_GIVEN = ("grasped", "near target")
# A conditional proposer's training draws, per goal set, no given stage with this probability (one
# goal image: `--subgoals final`), else each stage given with probability one half.
NONE_GIVEN_SHARE = 0.4


def given_mask(names: Sequence[str], given: Sequence[str], count: int) -> torch.Tensor:
    """[count, K] with 1 where the stage (names[1:-1], the subgoals) is among `given`."""
    row = torch.tensor([1.0 if name in given else 0.0 for name in names[1:-1]])
    return row.unsqueeze(0).expand(count, -1).contiguous()


def random_masks(count: int, stages: int, gen: torch.Generator, none_given: float = NONE_GIVEN_SHARE) -> torch.Tensor:
    """Training masks [count, K]: none given (a `none_given` share of them), else each stage with p = 1/2."""
    some = (torch.rand(count, 1, generator=gen) >= none_given).float()
    return some * (torch.rand(count, stages, generator=gen) < 0.5).float()


def evaluate(model: SubgoalProposer, first, goal, state, middle, grippers, names: Sequence[str], given: Sequence[str] = ()) -> Dict[str, float]:
    """Energy (mean |z - z'|) of each proposed subgoal to the real one, against the first frame's
    (copying the start) and the goal's (planning straight to the goal); gripper error. With
    `given` (a conditional proposer), those stages' real latents are handed to it and only the
    others are scored."""
    model.eval()
    mask = given_mask(names, given, len(first)) if given else None
    with torch.no_grad():
        pred, g = model(first, goal, state, middle if given else None, mask)
    out: Dict[str, float] = {}
    for k, name in enumerate(names[1:-1]):
        if name in given:
            continue
        key = name.replace(" ", "_")
        out[f"{key}_energy"] = float(energy(pred[:, k], middle[:, k]).mean())
        out[f"{key}_vs_start"] = float(energy(first, middle[:, k]).mean())
        out[f"{key}_vs_goal"] = float(energy(goal, middle[:, k]).mean())
    out["gripper_abs_error"] = float((g - grippers).abs().mean())
    out["gripper_wrong_side"] = float(((g > 0.5) != (grippers > 0.5)).float().mean())
    return out


def evaluate_schemes(model: SubgoalProposer, first, goal, state, middle, grippers, names: Sequence[str]) -> Dict[str, float]:
    """`evaluate` from the goal alone; a conditional proposer also with the paper scheme's images
    given (keys prefixed `paper_`)."""
    out = evaluate(model, first, goal, state, middle, grippers, names)
    if model.cfg.conditional and all(n in names for n in PAPER_GIVEN):
        out.update({f"paper_{k}": v for k, v in evaluate(model, first, goal, state, middle, grippers, names, PAPER_GIVEN).items()})
    return out


def train_proposer(sets: GoalSets, encoder, cfg: ProposerConfig, minutes: float, val_count: int, batch: int, lr: float,
                   seed: int, max_steps: int = 0, init: Optional[SubgoalProposer] = None,
                   none_given: float = NONE_GIVEN_SHARE) -> Tuple[SubgoalProposer, dict]:
    """Trains for `minutes` (or `max_steps` steps when > 0, whichever ends first); the learning
    rate warms up, then follows a cosine over the budget. `init`: a proposer of the same config to
    start from (a warm start: a fresh schedule over its weights). `none_given`: a conditional
    proposer's share of training sets with no stage given."""
    torch.manual_seed(seed)
    encode_started = time.time()
    latents = encode_sets(encoder, sets.frames)
    encode_seconds = time.time() - encode_started
    print(f"encoded {sets.frames.shape[0] * sets.frames.shape[1]} frames in {encode_seconds:.0f} s", file=sys.stderr, flush=True)
    started = time.time()  # the budget is training time: encoding the sets is not part of it
    states = torch.from_numpy(sets.states.astype(np.float32))
    first, goal, state, middle, grippers = split(latents, states)
    n_val = min(val_count, len(first) // 5)
    tr = slice(0, len(first) - n_val)
    va = slice(len(first) - n_val, len(first))
    if init is not None and init.cfg != cfg:
        raise ValueError(f"--init proposer's config {asdict(init.cfg)} differs from this run's {asdict(cfg)}")
    model = init if init is not None else SubgoalProposer(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.02)
    history: List[dict] = []
    step, avg = 0, None
    gen = torch.Generator().manual_seed(seed)
    total = tr.stop
    deadline = started + minutes * 60
    warmup = 200
    while time.time() < deadline and (max_steps <= 0 or step < max_steps):
        model.train()
        idx = torch.randint(0, total, (batch,), generator=gen)
        frac = min(1.0, max((time.time() - started) / (minutes * 60), step / max_steps if max_steps > 0 else 0.0))
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + np.cos(np.pi * frac))
        if cfg.conditional:
            mask = random_masks(batch, cfg.subgoals, gen, none_given)
            pred, g = model(first[idx], goal[idx], state[idx], middle[idx], mask)
            keep = (1 - mask)[:, :, None, None]  # the given stages are copied, not learnt: scored on the others
            loss_latent = ((pred - middle[idx]).abs() * keep).sum() / (keep.sum() * pred.shape[2] * pred.shape[3]).clamp(min=1)
        else:
            pred, g = model(first[idx], goal[idx], state[idx])
            loss_latent = (pred - middle[idx]).abs().mean()
        loss_gripper = nn.functional.binary_cross_entropy(g, grippers[idx])
        loss = loss_latent + 0.1 * loss_gripper
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        avg = float(loss_latent) if avg is None else 0.98 * avg + 0.02 * float(loss_latent)
        if step % 100 == 0:
            metrics = evaluate_schemes(model, first[va], goal[va], state[va], middle[va], grippers[va], sets.names) if n_val else {}
            history.append({"step": step, "minutes": round((time.time() - started) / 60, 2), "loss": avg, **metrics})
            print("eval " + json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in history[-1].items()}), file=sys.stderr, flush=True)
    model.eval()
    metrics = evaluate_schemes(model, first[va], goal[va], state[va], middle[va], grippers[va], sets.names) if n_val else {}
    report = {"sets": int(len(first)), "validation": int(n_val), "steps": step, "warm_start": init is not None,
              **({"none_given": none_given} if cfg.conditional else {}), "minutes": round((time.time() - started) / 60, 2),
              "encode_minutes": round(encode_seconds / 60, 2),
              "loss": avg, "metrics": metrics, "history": history, "config": asdict(cfg)}
    return model, report


def score_folders(model: SubgoalProposer, encoder, folders: Sequence[str]) -> Dict[str, Dict[str, float]]:
    """`evaluate` on each goal-set folder apart (e.g. held-out sets of one kind of world each), keyed
    by the folder's name: where the proposer is good and where it is not."""
    out: Dict[str, Dict[str, float]] = {}
    for folder in folders:
        sets = GoalSets.open(folder)
        latents = encode_sets(encoder, sets.frames)
        first, goal, state, middle, grippers = split(latents, torch.from_numpy(sets.states.astype(np.float32)))
        out[os.path.basename(os.path.normpath(folder))] = evaluate_schemes(model, first, goal, state, middle, grippers, sets.names)
    return out


DEFAULT_STEPS = (8, 5, 4, 10, 4, 6)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Train a subgoal proposer on goal sets and add it to an exported model folder.")
    ap.add_argument("--data", required=True, nargs="+", help="goal-set folder(s) written by `jepa-mpc collect-goals`")
    ap.add_argument("--model", required=True, help="exported model folder (manifest.json, weights.pt) to add the proposer to")
    ap.add_argument("--minutes", type=float, default=15.0, help="training time budget")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0 = the time budget only)")
    ap.add_argument("--validation", type=int, default=200, help="goal sets held out (the last ones) for the report")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--conditional", action="store_true",
                    help="the proposer also takes the stages whose goal images were given (e.g. the paper scheme's grasped and near target) "
                         "and proposes the others from them; trained on random subsets of given stages")
    ap.add_argument("--none-given", type=float, default=NONE_GIVEN_SHARE,
                    help=f"a conditional proposer's share of training sets with no stage given (one goal image; default {NONE_GIVEN_SHARE})")
    ap.add_argument("--init", metavar="PROPOSER_PT",
                    help="start from this proposer.pt (its width, depth and conditional are kept; a fresh schedule over its weights)")
    ap.add_argument("--steps", type=int, nargs="+", default=list(DEFAULT_STEPS), help="step budget per stage (subgoals, then the goal)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch and OpenBLAS threads (0 = their defaults: every core)")
    ap.add_argument("--dry", action="store_true", help="train and report, write nothing")
    ap.add_argument("--held-out", nargs="+", default=[], metavar="DIR",
                    help="goal-set folders never trained on, scored apart after training (report: held_out, per folder)")
    ap.add_argument("--score-only", action="store_true", help="train nothing: score the folder's proposer.pt on --data (and --held-out), each folder apart")
    args = ap.parse_args(argv)
    if not 0.0 <= args.none_given <= 1.0:
        ap.error(f"--none-given must be within [0, 1], got {args.none_given}")
    if args.threads > 0:
        use_threads(args.threads)
    encoder, _, _ = load_weights(os.path.join(args.model, "weights.pt"))
    if args.score_only:
        model, _ = load_proposer(os.path.join(args.model, "proposer.pt"))
        print(json.dumps({"held_out": score_folders(model, encoder, [*args.data, *args.held_out])}, indent=2))
        return 0
    sets = GoalSets.concat([GoalSets.open(d) for d in args.data])
    enc = encoder.cfg
    init = load_proposer(args.init)[0] if args.init else None
    cfg = ProposerConfig(tokens=enc.num_tokens, dim=enc.dim, subgoals=len(sets.names) - 2, views=enc.view_count,
                         width=init.cfg.width if init else args.width, depth=init.cfg.depth if init else args.depth,
                         conditional=init.cfg.conditional if init else args.conditional)
    model, report = train_proposer(sets, encoder, cfg, args.minutes, args.validation, args.batch, args.lr, args.seed, args.max_steps,
                                   init, args.none_given)
    if args.held_out:
        report["held_out"] = score_folders(model, encoder, args.held_out)
    stages = sets.names[1:]
    if not args.dry:
        report["parity"] = add_to_model(args.model, model, sets.meta["task"], stages, args.steps, report)
    print(json.dumps({k: v for k, v in report.items() if k != "history"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
