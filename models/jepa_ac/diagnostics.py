"""Held-out diagnostics of a world model: does its energy track real distances, and can it be
planned with?

``evaluate`` on held-out episodes: Spearman correlation of the latent energy against the true
end-effector distance (and against the cube distance, from the privileged columns, which are used
for evaluation only), energy of predicted frames vs the distance after the action, and the
fraction of single-step "CEM-like" choices (best of 64 random actions by energy) that move the end
effector toward the goal; ``near_goal``: the same within 6 cm of the goal, where grasps are won;
``gripper_choice``: whether the predictor tells the gripper choices apart.
"""
from __future__ import annotations

import math
from typing import Dict

import numpy as np
import torch

from ..contract.image import images_to_tensor
from ..contract.rollout import energy
from .dataset import Dataset
from .latent_ops import gripper_counterfactual, gripper_events, rollout
from .model import ACPredictor, PatchEncoder

CANDIDATES = 64  # random actions per CEM-like choice
CHOICE_BOUND = 0.075  # m, xyz bound of those actions (the paper's)
MIN_GOAL_DISTANCE = 0.05  # m, CEM-like choices only for goals at least this far
DISTANCE_BINS = [(0.0, 0.02), (0.02, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 10.0)]  # m


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (ties broken by order; fine for continuous values)."""
    if len(x) < 3:
        return float("nan")
    rx = np.argsort(np.argsort(x)).astype(np.float64)
    ry = np.argsort(np.argsort(y)).astype(np.float64)
    rx -= rx.mean()
    ry -= ry.mean()
    den = math.sqrt(float((rx * rx).sum() * (ry * ry).sum()))
    return float((rx * ry).sum() / den) if den > 0 else float("nan")


@torch.no_grad()
def encode_frames(encoder: PatchEncoder, frames_u8: np.ndarray, chunk: int = 256) -> torch.Tensor:
    return torch.cat([encoder(images_to_tensor(frames_u8[i : i + chunk])) for i in range(0, len(frames_u8), chunk)], dim=0)


@torch.no_grad()
def evaluate(encoder: PatchEncoder, predictor: ACPredictor, ds: Dataset, pairs: int = 1500, seed: int = 123) -> Dict[str, float]:
    """Energy-vs-distance diagnostics on (held-out) episodes; see the module doc."""
    encoder.eval()
    predictor.eval()
    rng = np.random.default_rng(seed)
    eps = ds.episodes
    e = rng.integers(0, len(eps), size=pairs)
    starts, lens = eps[e, 0], eps[e, 1]
    i = starts + rng.integers(0, lens - 1, size=pairs)  # current (has a next frame)
    j = starts + rng.integers(0, lens, size=pairs)  # goal
    zi = encode_frames(encoder, ds.frames[i])
    zj = encode_frames(encoder, ds.frames[j])
    zn = encode_frames(encoder, ds.frames[i + 1])
    lat = energy(zi, zj).numpy()
    p = ds.states[:, :3]
    d_ee = np.linalg.norm(p[i] - p[j], axis=1)
    cube = ds.priv("cube_pos")  # privileged: evaluation only
    d_cube = np.linalg.norm(cube[i] - cube[j], axis=1)
    cube_moved = d_cube > 0.01
    s_i = torch.from_numpy(ds.states[i])
    a_i = torch.from_numpy(ds.actions[i])
    z_pred = rollout(predictor, zi, s_i, a_i[:, None])[0]
    e_pred = energy(z_pred, zj).numpy()
    d_next = np.linalg.norm(p[i + 1] - p[j], axis=1)
    pred_err = energy(z_pred, zn).numpy()
    copy_err = energy(zi, zn).numpy()
    # CEM-like single-step choices toward goals at least MIN_GOAL_DISTANCE away (gripper, rotations 0)
    far = np.nonzero(d_ee > MIN_GOAL_DISTANCE)[0][:200]
    toward, gains = [], []
    g = torch.Generator().manual_seed(seed)
    for k in far:
        acts = torch.zeros(CANDIDATES, 1, 7)
        acts[:, 0, :3] = (torch.rand(CANDIDATES, 3, generator=g) * 2 - 1) * CHOICE_BOUND
        zc = rollout(predictor, zi[k : k + 1].expand(CANDIDATES, -1, -1), s_i[k : k + 1].expand(CANDIDATES, -1), acts)[0]
        best = int(energy(zc, zj[k : k + 1]).argmin())
        goal = p[j[k]]
        now = float(np.linalg.norm(p[i[k]] - goal))
        after = float(np.linalg.norm(p[i[k]] + acts[best, 0, :3].numpy() - goal))
        dists = np.linalg.norm(p[i[k]][None] + acts[:, 0, :3].numpy() - goal[None], axis=1)
        toward.append(after < now)
        gains.append((now - after) / max(now - float(dists.min()), 1e-6))
    grip = gripper_choice(encoder, predictor, ds, rng)
    close = near_goal(encoder, predictor, ds, np.random.default_rng(seed + 1))
    near, farp = lat[d_ee < 0.1], lat[d_ee > 0.3]
    bins = {}
    for lo, hi in DISTANCE_BINS:
        sel = (d_ee >= lo) & (d_ee < hi) & ~cube_moved
        bins[f"energy_ee_{int(100 * lo)}_{int(100 * hi) if hi < 9 else 'inf'}cm"] = float(lat[sel].mean()) if sel.any() else float("nan")
    encoder.train()
    predictor.train()
    return {
        "spearman_energy_ee": spearman(lat, d_ee),
        "spearman_energy_ee_cube_static": spearman(lat[~cube_moved], d_ee[~cube_moved]),
        "spearman_energy_cube": spearman(lat[cube_moved], d_cube[cube_moved]) if cube_moved.sum() > 10 else float("nan"),
        "spearman_pred_energy_next_ee": spearman(e_pred, d_next),
        "energy_near_lt10cm": float(near.mean()) if len(near) else float("nan"),
        "energy_far_gt30cm": float(farp.mean()) if len(farp) else float("nan"),
        "pred_l1": float(pred_err.mean()),
        "copy_l1": float(copy_err.mean()),
        "choice_toward_goal": float(np.mean(toward)) if toward else float("nan"),
        "choice_gain_vs_best": float(np.mean(gains)) if gains else float("nan"),
        "choices": len(toward),
        **grip,
        **close,
        "pairs": pairs,
        **bins,
    }


NEAR_WINDOW = 6  # steps: near pairs are frames of one episode at most this far apart
NEAR_PAIRS = 1500  # near pairs scored (at most)
NEAR_RANGE = (0.005, 0.06)  # m, tool distances of the near pairs
NEAR_CHOICE_RANGE = (0.015, 0.05)  # m, goal distances of the near-goal choices (the final approach)
NEAR_CHOICE_BOUND = 0.03  # m, xyz bound of the near-goal choices' random actions
NEAR_CHOICES = 300  # near-goal choices scored (at most)
NEAR_CHUNK = 25  # near-goal choices rolled out per batch


@torch.no_grad()
def near_goal(encoder: PatchEncoder, predictor: ACPredictor, ds: Dataset, rng: np.random.Generator) -> Dict[str, float]:
    """The landscape where a grasp is won or lost, which ``evaluate``'s choices (goals at least
    MIN_GOAL_DISTANCE away) never see: pairs of frames of one episode 0.5-6 cm apart —
    ``spearman_near`` of their energy against the tool distance — and ``choice_near_goal``, the
    fraction of CEM-like choices (best of 64 random actions within 3 cm, by predicted energy) that
    move the tool toward a goal 1.5-5 cm away. The shipped one-world model scores 0.80 / 88 % on
    its held-out set."""
    eps, p = ds.episodes, ds.states[:, :3]
    n = NEAR_PAIRS * 4
    e = rng.integers(0, len(eps), size=n)
    starts, lens = eps[e, 0], eps[e, 1]
    i = starts + rng.integers(0, lens - 1, size=n)
    j = np.clip(i + rng.integers(-NEAR_WINDOW, NEAR_WINDOW + 1, size=n), starts, starts + lens - 1)
    d = np.linalg.norm(p[i] - p[j], axis=1)
    keep = np.flatnonzero((d > NEAR_RANGE[0]) & (d < NEAR_RANGE[1]))[:NEAR_PAIRS]
    i, j, d = i[keep], j[keep], d[keep]
    zi, zj = encode_frames(encoder, ds.frames[i]), encode_frames(encoder, ds.frames[j])
    out = {"spearman_near": spearman(energy(zi, zj).numpy(), d), "pairs_near": float(len(d))}
    sel = np.flatnonzero((d > NEAR_CHOICE_RANGE[0]) & (d < NEAR_CHOICE_RANGE[1]))[:NEAR_CHOICES]
    g = torch.Generator().manual_seed(int(rng.integers(0, 2**31)))
    toward = []
    for c in range(0, len(sel), NEAR_CHUNK):
        k = sel[c : c + NEAR_CHUNK]
        acts = torch.zeros(len(k) * CANDIDATES, 1, 7)
        acts[:, 0, :3] = (torch.rand(len(k) * CANDIDATES, 3, generator=g) * 2 - 1) * NEAR_CHOICE_BOUND
        z0 = zi[k].repeat_interleave(CANDIDATES, dim=0)
        s0 = torch.from_numpy(ds.states[i[k]]).repeat_interleave(CANDIDATES, dim=0)
        en = energy(rollout(predictor, z0, s0, acts)[0], zj[k].repeat_interleave(CANDIDATES, dim=0)).reshape(len(k), CANDIDATES)
        best = acts.reshape(len(k), CANDIDATES, 7)[torch.arange(len(k)), en.argmin(dim=1), :3].numpy()
        toward.extend(np.linalg.norm(p[i[k]] + best - p[j[k]], axis=1) < d[k])
    out["choice_near_goal"] = float(np.mean(toward)) if toward else float("nan")
    out["choices_near"] = float(len(toward))
    return out


GRIPPER_CHOICES = 300  # steps of each kind scored by gripper_choice
CF_VISIBLE = 0.002  # energy between the real and the counterfactual outcome above which cf_*_pair counts a step


@torch.no_grad()
def gripper_choice(encoder: PatchEncoder, predictor: ACPredictor, ds: Dataset, rng: np.random.Generator) -> Dict[str, float]:
    """How well the predictor tells the gripper choices apart, on steps where the gripper really
    opened or closed ("event") and steps where it held ("hold"): the fraction where the prediction
    under the real action is closer to the real next frame than under the other gripper choice
    (``gripper_counterfactual``), and the mean energy gap. A predictor blind to the gripper scores
    about 0.5 and a gap of 0. ``gripper_stay_choice``: on the event steps, with the current frame as
    the goal, the fraction where holding beats the real closing/opening (a predictor that "wins"
    the event choice by spoiling its hold predictions fails this one).

    With counterfactual frames (a dataset collected with ``--counterfactual``) it also scores the
    prediction under the branch's action against what the branch really showed: ``cf_{kind}_l1``
    (one-step L1 to the real counterfactual frame) and ``cf_{kind}_pair`` — on the steps whose two
    real outcomes differ by more than CF_VISIBLE, the fraction where each prediction is closer to
    its own outcome than the other prediction is (a predictor blind to the gripper scores 0)."""
    eps = ds.episodes
    last = np.zeros(len(ds.frames), bool)
    last[eps[:, 0] + eps[:, 1] - 1] = True
    event = gripper_events(torch.from_numpy(ds.actions), torch.from_numpy(ds.states)).numpy() & ~last
    out: Dict[str, float] = {}
    for name, pool in (("event", np.flatnonzero(event)), ("hold", np.flatnonzero(~event & ~last))):
        if len(pool) == 0:
            out[f"gripper_{name}_choice"] = out[f"gripper_{name}_gap"] = float("nan")
            if name == "event":
                out["gripper_stay_choice"] = float("nan")
            continue
        i = rng.choice(pool, size=min(GRIPPER_CHOICES, len(pool)), replace=False)
        z, zn = encode_frames(encoder, ds.frames[i]), encode_frames(encoder, ds.frames[i + 1])
        s, a = torch.from_numpy(ds.states[i]), torch.from_numpy(ds.actions[i])
        p_true = rollout(predictor, z, s, a[:, None])[0]
        p_cf = rollout(predictor, z, s, gripper_counterfactual(a, s)[:, None])[0]
        e_true, e_cf = energy(p_true, zn), energy(p_cf, zn)
        out[f"gripper_{name}_choice"] = float((e_true < e_cf).float().mean())
        out[f"gripper_{name}_gap"] = float((e_cf - e_true).mean())
        if name == "event":
            # with the current frame as the goal, holding must still beat opening/closing
            out["gripper_stay_choice"] = float((energy(p_cf, z) < energy(p_true, z)).float().mean())
        if ds.cf_frames is not None and ds.cf_actions is not None:
            zcf = encode_frames(encoder, ds.cf_frames[i])
            p_branch = rollout(predictor, z, s, torch.from_numpy(ds.cf_actions[i])[:, None])[0]
            visible = energy(zn, zcf) > CF_VISIBLE
            own = (energy(p_true, zn) < energy(p_branch, zn)) & (energy(p_branch, zcf) < energy(p_true, zcf))
            out[f"cf_{name}_l1"] = float(energy(p_branch, zcf).mean())
            out[f"cf_{name}_pair"] = float(own[visible].float().mean()) if bool(visible.any()) else float("nan")
    return out
