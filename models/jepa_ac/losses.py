"""The training losses of the sim world model (``train.py``).

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
- near-goal ranking (``--near-rank w``, off by default): the metric hinge leaves a band of
  ``margin`` (0.08) above kappa*d, wider than the whole energy range of the last few centimetres,
  so it never orders two frames near a goal, and that order is what the final approach and the
  grasp are planned on. Among the clip's frames and the episode's other frame, every anchor and two
  others within ``near_rank_range`` of it, d_near < d_far, must have
  e_far - e_near >= near_rank_slope * (d_far - d_near) (hinge).
Targets are stop-gradient (sg); there is no EMA teacher.
"""
from __future__ import annotations

from typing import Dict, Optional

import torch

from ..contract.rollout import energy
from .latent_ops import GRIPPER, YAW, gripper_counterfactual, gripper_events, rollout
from .model import ACPredictor, PatchEncoder, normalise_latents
from .train_config import TrainConfig


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


NEAR_RANK_MIN_GAP = 0.005  # m: triplets whose two distances differ by less are not ranked


def near_rank_loss(z: torch.Tensor, states: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """Ranking hinge over triplets of one episode's frames near each other. z [B, K, N, D] latents
    and states [B, K, 7] of K frames of each episode; for every anchor a and frames b, c with
    d(a,b) + NEAR_RANK_MIN_GAP <= d(a,c) <= near_rank_range: relu(slope*(d_ac - d_ab) - (e_ac - e_ab)),
    averaged over those triplets (0 when a batch has none)."""
    e = energy(z[:, :, None], z[:, None, :])  # [B, K, K]
    d = state_distance(states[:, :, None], states[:, None, :], cfg)  # [B, K, K]
    gap_d = d[:, :, None, :] - d[:, :, :, None]  # [B, a, b, c] = d_ac - d_ab
    gap_e = e[:, :, None, :] - e[:, :, :, None]
    valid = (gap_d >= NEAR_RANK_MIN_GAP) & (d[:, :, None, :] <= cfg.near_rank_range)
    if not bool(valid.any()):
        return z.sum() * 0.0
    return torch.relu(cfg.near_rank_slope * gap_d - gap_e)[valid].mean()


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
    if cfg.w_near_rank:
        parts["near_rank"] = near_rank_loss(torch.cat([z, zg[:, None]], dim=1), torch.cat([batch["states"], batch["goal_state"][:, None]], dim=1), cfg)
    if cfg.w_invariance and "twin_frames" in batch:
        parts["invariance"] = invariance_loss(encoder(batch["twin_frames"].flatten(0, 1)).reshape(B, T1, N, D), z, zg, d_goal, cfg)
    total = (cfg.w_teacher * l_tf + cfg.w_rollout * l_ro + cfg.w_metric * l_metric + cfg.w_gripper_contrast * parts.get("gripper", 0.0)
             + cfg.w_invariance * parts.get("invariance", 0.0) + cfg.w_near_rank * parts.get("near_rank", 0.0))
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
