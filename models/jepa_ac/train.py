"""Training of the sim world model: a V-JEPA 2-AC-shaped encoder + action-conditioned predictor
(models/jepa_ac/model.py) trained end to end on ``jepa-mpc collect`` data, CPU only.

    /usr/bin/python3 -m models.jepa_ac.train --data /tmp/jepa-data/train64 --val /tmp/jepa-data/val64 \
        --out /tmp/sim-jepa-ac/weights.pt --preset sim64 --max-minutes 60

Losses (all on LayerNormed latents, the planner's energy space; ``z = encoder(frame)``):
- teacher forcing (paper): L1 between predictor(z_0..z_{T-1}, a, s) block t and sg(z_{t+1});
- rollout (paper): the predictor fed its own LayerNormed outputs from z_0, states advanced in-graph
  by the actions (s += a, gripper clipped) exactly like the exported rollout graph; L1 against
  sg(z_k) at every step k = 1..T;
- metric (what makes the energy plannable, and the anti-collapse mechanism): for pairs of frames
  of one episode (clip frames against a random other frame of the episode) the energy
  e = mean |z_i - z_j| must track the end-effector displacement:
  d = kappa * (|p_i - p_j| + w_g |g_i - g_j| + w_yaw |yaw_i - yaw_j|) (state only, nothing
  privileged), with a hinge: e below d is penalised (expansion: far states can never look alike,
  so the encoder cannot collapse; the scale kappa is fixed, so the trivial e = 0 costs kappa*E|d|),
  e above d + margin too (contraction: near states look alike, no energy floor). The margin
  leaves room for what the state does not measure (the cube's pose). ``--cube-weight w`` adds
  w |c_i - c_j| for the task cube's centre c: simulator truth used as a TRAINING target only (the
  planner never sees it), so that pushing or carrying the cube shows in the energy.
- gripper contrast (``--gripper-contrast w``, off by default): the teacher-forced prediction is
  redone with the other gripper choice at every step (closing/opening -> holding, holding ->
  toggling; ``gripper_counterfactual``) and must be farther from sg(z_{t+1}) than the real
  action's by a margin (hinge). Event and hold steps count half each; on event steps the "hold"
  prediction is a fixed reference, so the loss can only teach what closing and opening look like
  (the fingers move ~1.4 px at 64 px, too little for the L1 losses to notice).
- counterfactual (``--counterfactual w``, frozen-encoder stage only, off by default; needs a
  dataset collected with ``--counterfactual``, docs/dataset-format.md): from every clip step t the
  simulator was also stepped with the other gripper choice cf_a_t and the frame it showed was
  recorded. One-step prediction (a single context frame, like the planner's horizon-1 rollout
  graph) predictor(z_t, cf_a_t, s_t) must match that frame's latent: L1 against sg(z_cf_t), the
  supervised version of what the gripper contrast can only rank.
- counterfactual difference (``--counterfactual-diff w``, same needs): the predicted effect of the
  gripper choice, predictor(z_t, a_t, s_t) − predictor(z_t, cf_a_t, s_t), must match the real one,
  sg(z_{t+1}) − sg(z_cf_t) (L1). The error both predictions share cancels, so all of this loss is
  about the fingers; in the plain L1 above that signal is a few per cent of the error.
Targets are stop-gradient (sg); there is no EMA teacher.

A third stage, ``--freeze-encoder``, trains the predictor alone on latents cached once from the
frozen encoder (teacher-forcing, rollout, gripper-contrast and counterfactual losses): for when the
encoder's landscape is already good and predictions are the planner's limit. On this CPU the
predictor dominates a step (4 frames x 18 tokens through 4 blocks, plus the 3-step rollout), so it
saves only ~30 %.

Held-out diagnostics (``evaluate``, every ``eval_every`` steps and at the end) are in
``diagnostics.py``; the latent operations both use (rollout, gripper events) in ``latent_ops.py``,
the energy in ``models.contract.rollout``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..contract.image import images_to_tensor
from ..contract.rollout import energy
from .dataset import Dataset
from .diagnostics import encode_frames, evaluate
from .export import save_weights
from .finger_probe import finger_probe
from .latent_ops import GRIPPER, GRIPPER_EVENT, YAW, gripper_counterfactual, gripper_events, rollout
from .model import ACPredictor, EncoderConfig, PatchEncoder, PredictorConfig, build, count_params, normalise_latents
from .progress import fmt_time


@dataclass
class TrainConfig:
    """Everything a run depends on (saved in the checkpoint's ``extra``)."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    predictor: PredictorConfig = field(default_factory=PredictorConfig)
    clip_steps: int = 3  # T: actions per training clip (T + 1 frames)
    batch: int = 32
    steps: int = 3000
    lr: float = 1e-3
    weight_decay: float = 0.02
    warmup: int = 100
    w_teacher: float = 1.0
    w_rollout: float = 1.0
    w_metric: float = 2.0
    kappa: float = 2.0  # energy per metre of end-effector displacement
    w_gripper: float = 0.1  # metres of displacement per unit of gripper closedness
    w_yaw: float = 0.05  # metres per radian of yaw
    w_cube: float = 0.0  # metres per metre of task-cube displacement (simulator truth; 0 = state only)
    gripper_clips: float = 0.0  # fraction of each batch drawn around gripper events (ClipSampler)
    w_gripper_contrast: float = 0.0  # weight of the gripper-contrast ranking loss (0 = off)
    gripper_margin: float = 0.01  # energy by which the true gripper action must beat its counterfactual
    gripper_hold_weight: float = 1.0  # weight of the hold steps against the event steps in the contrast (0 = events only)
    gripper_hold_fixed: bool = True  # on event steps the "hold" counterfactual is a fixed reference (no gradient)
    gripper_balance: bool = True  # average event and hold steps apart (False: one plain mean over all steps)
    w_counterfactual: float = 0.0  # weight of the one-step L1 against the counterfactual frames (frozen encoder only; 0 = off)
    w_counterfactual_diff: float = 0.0  # weight of the L1 between predicted and real effect of the gripper choice (frozen encoder only; 0 = off)
    margin: float = 0.08  # energy allowed above the state distance (cube, unmeasured things)
    w_invariance: float = 0.0  # weight of the appearance-invariance terms on twin frames (collect --twin; 0 = off)
    invariance_margin: float = 0.02  # energy allowed between one state's two appearances
    huber: float = 0.05
    seed: int = 0
    eval_every: int = 500
    log_every: int = 20


PRESETS: Dict[str, TrainConfig] = {
    # the shipped model: 64x64 frames, 16 patch tokens of width 64
    "sim64": TrainConfig(
        encoder=EncoderConfig(image_size=64, patch_size=16, dim=64, depth=3, heads=4, mlp_ratio=4.0),
        predictor=PredictorConfig(embed_dim=64, grid=4, width=128, depth=4, heads=4, mlp_ratio=4.0, max_frames=8, angle_encoding="sincos"),
    ),
    # sim64 with a residual predictor (block t outputs z_t + delta)
    "sim64-residual": TrainConfig(
        encoder=EncoderConfig(image_size=64, patch_size=16, dim=64, depth=3, heads=4, mlp_ratio=4.0),
        predictor=PredictorConfig(embed_dim=64, grid=4, width=128, depth=4, heads=4, mlp_ratio=4.0, max_frames=8, angle_encoding="sincos", residual=True),
        warmup=20,
    ),
    # sim64-residual at 128x128 frames, patch 32: the same 16 tokens of width 64 (the same predictor
    # and plan cost), each patch embedding four times the pixels, so the fingers move ~2.8 px (issue 17)
    "sim128-residual": TrainConfig(
        encoder=EncoderConfig(image_size=128, patch_size=32, dim=64, depth=3, heads=4, mlp_ratio=4.0),
        predictor=PredictorConfig(embed_dim=64, grid=4, width=128, depth=4, heads=4, mlp_ratio=4.0, max_frames=8, angle_encoding="sincos", residual=True),
        warmup=20,
    ),
    # sim64-residual with two views side by side, the scene camera and the hand camera
    # (collect --wrist): 2 x 16 tokens of width 64, so the grasp fills 6-7 of the wrist view's
    # patches instead of 0-3 of the front view's (issue 17); about twice the cost per step and plan
    "sim64-wrist-residual": TrainConfig(
        encoder=EncoderConfig(image_size=64, patch_size=16, dim=64, depth=3, heads=4, mlp_ratio=4.0, views=["front", "wrist"]),
        predictor=PredictorConfig(embed_dim=64, grid=4, views=2, width=128, depth=4, heads=4, mlp_ratio=4.0, max_frames=8, angle_encoding="sincos", residual=True),
        warmup=20,
    ),
    # sim64-residual with a conv stem (3x3 stride-2 convs 32, 64, 64 wide, GELU) before the tokens:
    # nonlinear local features for randomised light, colours and tables (issue 29); the same 16
    # tokens of width 64, so the same predictor and plan cost
    "sim64-conv-residual": TrainConfig(
        encoder=EncoderConfig(image_size=64, patch_size=16, dim=64, depth=3, heads=4, mlp_ratio=4.0, stem="conv", stem_channels=[32, 64, 64]),
        predictor=PredictorConfig(embed_dim=64, grid=4, width=128, depth=4, heads=4, mlp_ratio=4.0, max_frames=8, angle_encoding="sincos", residual=True),
        warmup=20,
    ),
    # CI smoke run: a few steps on a tiny dataset
    "smoke": TrainConfig(
        encoder=EncoderConfig(image_size=32, patch_size=16, dim=16, depth=1, heads=2, mlp_ratio=2.0),
        predictor=PredictorConfig(embed_dim=16, grid=2, width=16, depth=1, heads=2, mlp_ratio=2.0, max_frames=4, angle_encoding="sincos"),
        clip_steps=2, batch=4, steps=3, warmup=1, eval_every=0, log_every=1,
    ),
}


# ------------------------------------------------------------------------------ resuming

RESUME_SUFFIX = ".resume"
RESUME_FORMAT = "jepa-mpc-train-resume-v1"
RESUME_EVERY_S = 300.0  # seconds of training between resume files (also written at every evaluation)


def _with_defaults(saved: dict, defaults: dict) -> dict:
    """``saved`` over ``defaults``, nested dicts merged: settings added since a file was written count as their defaults."""
    return {k: _with_defaults(saved.get(k, {}), v) if isinstance(v, dict) else saved.get(k, v) for k, v in defaults.items()} | {
        k: v for k, v in saved.items() if k not in defaults}


def load_resume(path: str, cfg: TrainConfig) -> dict:
    """The resume file of a stopped run; refuses one written by a run with other settings."""
    state = torch.load(path, map_location="cpu")
    if not isinstance(state, dict) or state.get("format") != RESUME_FORMAT:
        raise SystemExit(f"{path} is not a {RESUME_FORMAT} file")
    now = asdict(cfg)
    saved = _with_defaults(state["train_config"], asdict(TrainConfig(encoder=cfg.encoder, predictor=cfg.predictor)))
    diff = sorted(k for k in now if saved.get(k) != now[k])
    if diff:
        raise SystemExit(f"{path} was written by a run with other settings ({', '.join(diff)}): resume with the same flags, or remove it")
    return state


# ------------------------------------------------------------------------------------ data


class ClipSampler:
    """Random training clips: T + 1 consecutive frames of an episode plus one other frame of it.

    ``gripper_fraction`` of each batch (rounded) are clips whose actions include a gripper event:
    closing and opening are rare in the data (a few steps per pick-and-place episode), yet the
    planner's grasp depends on the predictor knowing what they look like.
    """

    def __init__(self, ds: Dataset, clip_steps: int, rng: np.random.Generator, gripper_fraction: float = 0.0, twin: bool = False):
        if twin and ds.twin_frames is None:
            raise ValueError(f"{ds.root}: the invariance loss needs twin frames (collect --randomise ... --twin)")
        self.twin = twin
        self.ds = ds
        self.T = clip_steps
        self.rng = rng
        eps = ds.episodes
        self.cube = ds.priv("cube_pos")
        self.starts = eps[:, 0]
        self.lengths = eps[:, 1]
        if int(self.lengths.min()) < clip_steps + 1:
            raise ValueError(f"episodes of {int(self.lengths.min())} frames are shorter than a clip of {clip_steps + 1}")
        if not 0.0 <= gripper_fraction <= 1.0:
            raise ValueError(f"gripper_fraction must be in [0, 1], got {gripper_fraction}")
        self.gripper_fraction = gripper_fraction
        # (episode, global frame) of every gripper event; the action of the episode's last frame leads nowhere.
        episode_of = np.repeat(np.arange(len(self.starts)), self.lengths)
        last = np.zeros(len(ds.frames), bool)
        last[self.starts + self.lengths - 1] = True
        frames = np.flatnonzero((np.abs(ds.actions[:, GRIPPER]) > GRIPPER_EVENT) & ~last)
        self.events = (episode_of[frames], frames)
        if gripper_fraction > 0 and len(frames) == 0:
            raise ValueError("gripper_fraction > 0 but the data has no gripper events")

    def indices(self, batch: int) -> Tuple[np.ndarray, np.ndarray]:
        """Frame indices of the clips [B, T+1] and of their goal frames [B]."""
        k = int(round(batch * self.gripper_fraction))
        e = self.rng.integers(0, len(self.starts), size=batch)
        first = self.starts[e] + self.rng.integers(0, self.lengths[e] - self.T, size=batch)
        if k:
            j = self.rng.integers(0, len(self.events[1]), size=k)
            e[:k] = self.events[0][j]
            # The event's action at a random position of the clip, the clip kept inside its episode.
            lo, hi = self.starts[e[:k]], self.starts[e[:k]] + self.lengths[e[:k]] - self.T - 1
            first[:k] = np.clip(self.events[1][j] - self.rng.integers(0, self.T, size=k), lo, hi)
        idx = first[:, None] + np.arange(self.T + 1)[None, :]
        goal = self.starts[e] + self.rng.integers(0, self.lengths[e], size=batch)
        return idx, goal

    def sample(self, batch: int) -> Dict[str, torch.Tensor]:
        """frames [B, T+1, 3, H, W], states [B, T+1, 7], actions [B, T, 7], goal frame/state [B, ...];
        with ``twin`` also twin_frames [B, T+1, 3, H, W] (the clip's states in the episode's second appearance)."""
        idx, goal = self.indices(batch)
        ds = self.ds
        twin = {"twin_frames": images_to_tensor(ds.twin_frames[idx])} if self.twin and ds.twin_frames is not None else {}
        return {
            **twin,
            "frames": images_to_tensor(ds.frames[idx]),
            "states": torch.from_numpy(ds.states[idx]),
            "actions": torch.from_numpy(ds.actions[idx[:, :-1]]),
            "goal_frame": images_to_tensor(ds.frames[goal]),
            "goal_state": torch.from_numpy(ds.states[goal]),
            "cube": torch.from_numpy(self.cube[idx]),
            "goal_cube": torch.from_numpy(self.cube[goal]),
        }


class LatentClipSampler:
    """Training clips from cached latents (frozen encoder): the same clips as ClipSampler.

    With ``cf_latents`` (the dataset's counterfactual frames encoded by the same encoder) each batch
    also holds the counterfactual latents and actions of the clip's first T frames (the steps with
    an action)."""

    def __init__(self, ds: Dataset, latents: torch.Tensor, clip_steps: int, rng: np.random.Generator, gripper_fraction: float = 0.0,
                 cf_latents: Optional[torch.Tensor] = None):
        self.clips = ClipSampler(ds, clip_steps, rng, gripper_fraction)
        self.latents = latents
        if cf_latents is not None:
            if ds.cf_actions is None:
                raise ValueError(f"{ds.root}: counterfactual latents given but the dataset has no counterfactual actions")
            if cf_latents.shape != latents.shape:
                raise ValueError(f"counterfactual latents {tuple(cf_latents.shape)} do not match the latents {tuple(latents.shape)}")
        self.cf_latents = cf_latents

    def sample(self, batch: int) -> Dict[str, torch.Tensor]:
        """latents [B, T+1, N, D], states [B, T+1, 7], actions [B, T, 7]; with counterfactual
        latents also cf_latents [B, T, N, D] and cf_actions [B, T, 7]."""
        idx, _ = self.clips.indices(batch)
        ds = self.clips.ds
        out = {
            "latents": self.latents[torch.from_numpy(idx)],
            "states": torch.from_numpy(ds.states[idx]),
            "actions": torch.from_numpy(ds.actions[idx[:, :-1]]),
        }
        if self.cf_latents is not None and ds.cf_actions is not None:
            out["cf_latents"] = self.cf_latents[torch.from_numpy(idx[:, :-1])]
            out["cf_actions"] = torch.from_numpy(ds.cf_actions[idx[:, :-1]])
        return out


# ---------------------------------------------------------------------------------- losses


def state_distance(a: torch.Tensor, b: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """Displacement between states [..., 7] in metres: |dp| + w_g |dg| + w_yaw |dyaw| (yaw wrapped)."""
    dp = (a[..., :3] - b[..., :3]).norm(dim=-1)
    dg = (a[..., GRIPPER] - b[..., GRIPPER]).abs()
    dyaw = torch.atan2(torch.sin(a[..., YAW] - b[..., YAW]), torch.cos(a[..., YAW] - b[..., YAW])).abs()
    return dp + cfg.w_gripper * dg + cfg.w_yaw * dyaw


def metric_loss(e: torch.Tensor, d: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """Hinge smooth-L1: energy below kappa*d, or above kappa*d + margin, is penalised."""
    target = cfg.kappa * d
    under = torch.relu(target - e)
    over = torch.relu(e - target - cfg.margin)
    smooth = torch.nn.functional.smooth_l1_loss  # quadratic below cfg.huber, slope 1 above
    zero = torch.zeros_like(e)
    return smooth(under, zero, beta=cfg.huber) + smooth(over, zero, beta=cfg.huber)


def gripper_contrast(true_energy: torch.Tensor, counterfactual_energy: torch.Tensor, margin: float,
                     events: Optional[torch.Tensor] = None, hold_weight: float = 1.0) -> torch.Tensor:
    """Ranking hinge: the prediction under the real action must be closer to the real next frame
    than the prediction under the other gripper choice, by ``margin``. A predictor that ignores the
    gripper action pays ``margin``. With ``events`` (a boolean mask like the energies), the steps
    where the gripper really moved and those where it held are averaged apart and weighted 1 :
    ``hold_weight``, however rare the events: a predictor that merely perturbs its output for any
    gripper action satisfies the hold steps, only the event steps make it predict what closing and
    opening look like (and with a strong hold term it learns the perturbation first)."""
    hinge = torch.relu(margin - (counterfactual_energy - true_energy))
    if events is None:
        return hinge.mean()
    groups = [(hinge[m].mean(), w) for m, w in ((events, 1.0), (~events, hold_weight)) if bool(m.any()) and w > 0]
    if not groups:
        return hinge.sum() * 0.0
    return sum(g * w for g, w in groups) / sum(w for _, w in groups)


def teacher_gripper_contrast(predictor: ACPredictor, context: torch.Tensor, batch: Dict[str, torch.Tensor], pred_tf: torch.Tensor,
                             target: torch.Tensor, cfg: TrainConfig) -> Dict[str, torch.Tensor]:
    """{"gripper": loss} when the contrast is on (else {}): the teacher-forced prediction from
    ``context`` [B, T, N, D] redone with the other gripper choice at every step, ranked against
    ``pred_tf`` by their energies to ``target`` (the real next frames)."""
    if not cfg.w_gripper_contrast:
        return {}
    B, T, N, D = context.shape
    counter = gripper_counterfactual(batch["actions"], batch["states"][:, :T])
    out = predictor(context.reshape(B, T * N, D), counter, batch["states"][:, :T], T)
    pred_cf = normalise_latents(out, D).reshape(B, T, N, D)
    events = gripper_events(batch["actions"], batch["states"][:, :T])
    # Where the counterfactual is "hold" (event steps) it is by default a fixed reference: the
    # ranking may only move the prediction of the real closing/opening toward what it looks like,
    # never spoil the prediction of holding still (which ranks just as well). Measured here: with
    # the reference fixed a frozen-encoder predictor did not learn closing in 500 steps (event
    # choice 0.37-0.48), with it trained it did (0.61, and 6/20 pick-place against 3/20) — partly
    # by moving its hold predictions (``--gripper-hold-trained``; see the model card).
    if cfg.gripper_hold_fixed:
        pred_cf = torch.where(events[:, :, None, None], pred_cf.detach(), pred_cf)
    return {"gripper": gripper_contrast(energy(pred_tf, target), energy(pred_cf, target), cfg.gripper_margin,
                                        events if cfg.gripper_balance else None, cfg.gripper_hold_weight)}


def losses(encoder: PatchEncoder, predictor: ACPredictor, batch: Dict[str, torch.Tensor], cfg: TrainConfig) -> Dict[str, torch.Tensor]:
    B, T1 = batch["frames"].shape[:2]
    T = T1 - 1
    N, D = predictor.cfg.num_tokens, predictor.cfg.embed_dim
    imgs = torch.cat([batch["frames"].flatten(0, 1), batch["goal_frame"]], dim=0)
    zall = encoder(imgs)
    z = zall[: B * T1].reshape(B, T1, N, D)
    zg = zall[B * T1 :]
    target = z[:, 1:].detach()
    # teacher forcing: frames 0..T-1 with their actions and true states predict frames 1..T
    out = predictor(z[:, :T].reshape(B, T * N, D), batch["actions"], batch["states"][:, :T], T)
    pred_tf = normalise_latents(out, D).reshape(B, T, N, D)
    l_tf = (pred_tf - target).abs().mean()
    parts = teacher_gripper_contrast(predictor, z[:, :T], batch, pred_tf, target, cfg)
    # rollout from frame 0 only
    outs = rollout(predictor, z[:, 0], batch["states"][:, 0], batch["actions"])
    l_ro = torch.stack([(o - target[:, k]).abs().mean() for k, o in enumerate(outs)]).mean()
    # metric: every clip frame against the episode's other frame, and consecutive clip frames
    e_goal = energy(z, zg[:, None])  # [B, T+1]
    d_goal = state_distance(batch["states"], batch["goal_state"][:, None], cfg)
    e_step = energy(z[:, 1:], z[:, :-1])
    d_step = state_distance(batch["states"][:, 1:], batch["states"][:, :-1], cfg)
    if cfg.w_cube:
        d_goal = d_goal + cfg.w_cube * (batch["cube"] - batch["goal_cube"][:, None]).norm(dim=-1)
        d_step = d_step + cfg.w_cube * (batch["cube"][:, 1:] - batch["cube"][:, :-1]).norm(dim=-1)
    l_metric = metric_loss(torch.cat([e_goal.flatten(), e_step.flatten()]), torch.cat([d_goal.flatten(), d_step.flatten()]), cfg)
    if cfg.w_invariance and "twin_frames" in batch:
        parts["invariance"] = invariance_loss(encoder(batch["twin_frames"].flatten(0, 1)).reshape(B, T1, N, D), z, zg, d_goal, cfg)
    total = (cfg.w_teacher * l_tf + cfg.w_rollout * l_ro + cfg.w_metric * l_metric + cfg.w_gripper_contrast * parts.get("gripper", 0.0)
             + cfg.w_invariance * parts.get("invariance", 0.0))
    with torch.no_grad():
        std = z.reshape(-1, D).std(dim=0).mean()
    return {"loss": total, "teacher": l_tf, "rollout": l_ro, "metric": l_metric, **parts, "latent_std": std}


def invariance_loss(z_twin: torch.Tensor, z: torch.Tensor, z_goal: torch.Tensor, d_goal: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """Appearance invariance from twin frames (one state drawn under two appearances of its
    episode): the energy between a state's two pictures must stay under ``invariance_margin``
    (smooth-L1 hinge), and the twin's energy to the episode's other frame (drawn in the first
    appearance) must track the state distance like the metric term does — the landscape holds
    across appearances, not only inside one. z_twin, z [B, T+1, N, D]; z_goal [B, N, D]; d_goal
    [B, T+1] (metres, the metric's distances)."""
    same = energy(z_twin, z)
    hinge = torch.nn.functional.smooth_l1_loss(torch.relu(same - cfg.invariance_margin), torch.zeros_like(same), beta=cfg.huber)
    cross = energy(z_twin, z_goal[:, None])
    return hinge + metric_loss(cross.flatten(), d_goal.flatten(), cfg)


def counterfactual_loss(predictor: ACPredictor, context: torch.Tensor, cf_actions: torch.Tensor, states: torch.Tensor,
                        cf_latents: torch.Tensor) -> torch.Tensor:
    """L1 of one-step predictions under the counterfactual actions against the encoded
    counterfactual frames. context, cf_latents [B, T, N, D]; cf_actions, states [B, T, A|S] (the
    states the steps start from). Every step is predicted from its own frame alone (context of one
    frame), exactly like the planner's horizon-1 rollout graph."""
    B, T, N, D = context.shape
    out = predictor(context.reshape(B * T, N, D), cf_actions.reshape(B * T, 1, cf_actions.shape[-1]),
                    states.reshape(B * T, 1, states.shape[-1]), 1)
    pred = normalise_latents(out, D)
    return (pred - cf_latents.reshape(B * T, N, D)).abs().mean()


def counterfactual_difference_loss(predictor: ACPredictor, context: torch.Tensor, actions: torch.Tensor, cf_actions: torch.Tensor,
                                   states: torch.Tensor, next_latents: torch.Tensor, cf_latents: torch.Tensor) -> torch.Tensor:
    """L1 between the predicted and the real effect of the gripper choice: one-step predictions
    (context of one frame) under the real and the counterfactual action, their difference against
    the difference of the two real outcomes, sg(z_{t+1}) − sg(z_cf). The prediction error both
    share (most of the plain L1, the same for either gripper choice) cancels, so the whole loss is
    about what the choice changes — the fingers, ~1.4 px at 64 px. context, next_latents,
    cf_latents [B, T, N, D]; actions, cf_actions, states [B, T, A|S]."""
    B, T, N, D = context.shape
    both = predictor(context.reshape(B * T, N, D).repeat(2, 1, 1), torch.cat([actions, cf_actions]).reshape(2 * B * T, 1, actions.shape[-1]),
                     states.reshape(B * T, 1, states.shape[-1]).repeat(2, 1, 1), 1)
    pred = normalise_latents(both, D).reshape(2, B * T, N, D)
    effect = (next_latents - cf_latents).reshape(B * T, N, D)
    return ((pred[0] - pred[1]) - effect).abs().mean()


def predictor_losses(predictor: ACPredictor, batch: Dict[str, torch.Tensor], cfg: TrainConfig) -> Dict[str, torch.Tensor]:
    """Teacher-forcing and rollout losses on cached latents (the frozen-encoder stage), plus the
    gripper contrast and the counterfactual loss when their weights are set."""
    z = batch["latents"]
    B, T1, N, D = z.shape
    T = T1 - 1
    target = z[:, 1:]
    out = predictor(z[:, :T].reshape(B, T * N, D), batch["actions"], batch["states"][:, :T], T)
    pred_tf = normalise_latents(out, D).reshape(B, T, N, D)
    l_tf = (pred_tf - target).abs().mean()
    outs = rollout(predictor, z[:, 0], batch["states"][:, 0], batch["actions"])
    l_ro = torch.stack([(o - target[:, k]).abs().mean() for k, o in enumerate(outs)]).mean()
    parts = teacher_gripper_contrast(predictor, z[:, :T], batch, pred_tf, target, cfg)
    if cfg.w_counterfactual and "cf_latents" in batch:
        parts["counterfactual"] = counterfactual_loss(predictor, z[:, :T], batch["cf_actions"], batch["states"][:, :T], batch["cf_latents"])
    if cfg.w_counterfactual_diff and "cf_latents" in batch:
        parts["counterfactual_diff"] = counterfactual_difference_loss(predictor, z[:, :T], batch["actions"], batch["cf_actions"], batch["states"][:, :T],
                                                                      target, batch["cf_latents"])
    total = (cfg.w_teacher * l_tf + cfg.w_rollout * l_ro + cfg.w_gripper_contrast * parts.get("gripper", 0.0)
             + cfg.w_counterfactual * parts.get("counterfactual", 0.0) + cfg.w_counterfactual_diff * parts.get("counterfactual_diff", 0.0))
    return {"loss": total, "teacher": l_tf, "rollout": l_ro, **parts}


# ---------------------------------------------------------------------------------- training


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
    (a run split over sessions). Returns a summary with the last losses and metrics."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    encoder, predictor = build(cfg.encoder, cfg.predictor)
    if init:
        from .export import load_weights

        e0, p0, _ = load_weights(init)
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
    started = time.time()
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
        started = time.time() - state["seconds"]
        print(f"resuming {resume_path}: step {step}, {state['seconds'] / 60:.1f} min used", file=sys.stderr, flush=True)
    elif resume:
        print(f"no {resume_path} yet: starting the run", file=sys.stderr, flush=True)
    last_resume_save = time.time()
    first_step = step

    def save_resume() -> None:
        tmp = resume_path + ".tmp"
        torch.save({"format": RESUME_FORMAT, "train_config": asdict(cfg), "encoder": encoder.state_dict(), "predictor": predictor.state_dict(),
                    "optimizer": opt.state_dict(), "step": step, "avg": avg, "history": history, "metrics": metrics,
                    "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "seconds": time.time() - started}, tmp)
        os.replace(tmp, resume_path)

    def progress() -> float:
        p = step / cfg.steps
        if budget > 0:
            p = max(p, (time.time() - started) / budget)
        return min(1.0, p)

    def checkpoint(final: bool) -> None:
        extra = {"train_config": asdict(cfg), "step": step, "minutes": (time.time() - started) / 60, "metrics": metrics, "data": data.root,
                 "render": {"shadows": data.shadows}}
        save_weights(out, encoder, predictor, extra)
        save_resume()

    print(f"training: encoder {count_params(encoder):,} + predictor {count_params(predictor):,} params, "
          f"{len(data.episodes)} episodes / {len(data.frames)} frames, batch {cfg.batch}, up to {cfg.steps} steps"
          + (f" or {max_minutes:g} min" if budget else ""), file=sys.stderr, flush=True)
    while progress() < 1.0:
        if stop_after and step - first_step >= stop_after:
            checkpoint(False)
            print(f"stopped after {stop_after} steps at step {step}; continue with --resume", file=sys.stderr, flush=True)
            if log:
                log.close()
            return {"steps": step, "minutes": (time.time() - started) / 60, "losses": avg, "metrics": metrics, "history": history, "stopped": True}
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
            elapsed = time.time() - started
            pr = progress()
            eta = elapsed / max(pr, 1e-9) - elapsed
            line = " ".join(f"{k} {v:.4f}" for k, v in avg.items())
            print(f"step {step} {100 * pr:5.1f}% {fmt_time(elapsed)} eta {fmt_time(eta)} lr {lr:.2e} {line}", file=sys.stderr, flush=True)
            if log:
                log.write(json.dumps({"step": step, "elapsed": elapsed, "lr": lr, **avg}) + "\n")
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
    return {"steps": step, "minutes": (time.time() - started) / 60, "losses": avg, "metrics": metrics, "history": history}


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Train the sim JEPA world model (CPU).")
    ap.add_argument("--data", required=True, nargs="+", help="dataset folder(s) written by `jepa-mpc collect` (several are joined)")
    ap.add_argument("--val", help="held-out dataset folder for the diagnostics")
    ap.add_argument("--out", required=True, help="weights file to write (export.py's format)")
    ap.add_argument("--preset", default="sim64", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, help="optimizer steps (default: the preset's)")
    ap.add_argument("--batch", type=int, help="clips per step (default: the preset's)")
    ap.add_argument("--lr", type=float)
    ap.add_argument("--max-minutes", type=float, default=0.0, help="stop after this long (the LR schedule follows time)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--log", help="append JSON lines of losses and metrics here")
    ap.add_argument("--init", help="start from these weights (same preset sizes)")
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
    ap.add_argument("--invariance", type=float, metavar="W", help="weight of the appearance-invariance terms on twin frames (datasets collected with --randomise ... --twin; default 0 = off)")
    ap.add_argument("--no-verify", action="store_true", help="skip the dataset sha256 check")
    ap.add_argument("--summary", help="write the run summary JSON here")
    ap.add_argument("--stop-after", type=int, default=0, help="end this invocation after N steps, resumable with --resume (0 = run to the end)")
    ap.add_argument("--resume", action="store_true", help=f"continue a stopped run from OUT{RESUME_SUFFIX} (written every {RESUME_EVERY_S / 60:g} min and at each evaluation) when it exists; same flags needed")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
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
    if args.invariance is not None:
        if args.invariance < 0:
            ap.error(f"--invariance must be >= 0, got {args.invariance:g}")
        if args.invariance > 0 and args.freeze_encoder:
            ap.error("--invariance trains the encoder: it does not mix with --freeze-encoder")
        cfg.w_invariance = args.invariance
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
    parts = [Dataset.open(d, verify=not args.no_verify) for d in args.data]
    if cfg.w_counterfactual > 0 or cfg.w_counterfactual_diff > 0:
        missing = [d.root for d in parts if not d.has_counterfactual]
        if missing:
            ap.error(f"--counterfactual/--counterfactual-diff need datasets collected with --counterfactual; no counterfactual arrays in: {', '.join(missing)}")
    data = Dataset.concat(parts)
    val = Dataset.open(args.val, verify=not args.no_verify) if args.val else None
    if data.image_size != cfg.encoder.image_size:
        raise SystemExit(f"dataset images are {data.image_size} px, preset {args.preset} expects {cfg.encoder.image_size}")
    for d in [data] + ([val] if val else []):
        if d.views != cfg.encoder.views:
            raise SystemExit(f"{d.root} has views {d.views}, preset {args.preset} takes {cfg.encoder.views} (collect --wrist records front and wrist)")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    summary = train(cfg, data, args.out, val, args.max_minutes, args.log, args.init, args.freeze_encoder, args.resume, args.stop_after)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
