"""Everything a training run depends on (``TrainConfig``, saved in each checkpoint's ``extra``
and resume file) and the named presets ``train.py --preset`` picks from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict

from .model import EncoderConfig, PredictorConfig


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
    w_near_rank: float = 0.0  # weight of the near-goal ranking hinge (losses.near_rank_loss; 0 = off)
    near_rank_range: float = 0.06  # m: triplets whose farther frame is within this of the anchor
    near_rank_slope: float = 2.0  # energy per metre by which the farther frame must rank above the nearer (= kappa)
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
    # sim64-conv-residual with twice the encoder's transformer blocks (6): more capacity where the
    # randomised worlds need it, the same 16 x 64 latents (the predictor and plan cost stay); the
    # encoder runs once per control step. ``--init`` with sim64-conv-residual weights grows them
    # (grow.py: the new blocks start as the identity)
    "sim64-conv-deep-residual": TrainConfig(
        encoder=EncoderConfig(image_size=64, patch_size=16, dim=64, depth=6, heads=4, mlp_ratio=4.0, stem="conv", stem_channels=[32, 64, 64]),
        predictor=PredictorConfig(embed_dim=64, grid=4, width=128, depth=4, heads=4, mlp_ratio=4.0, max_frames=8, angle_encoding="sincos", residual=True),
        warmup=20,
    ),
    # sim64-conv-deep-residual with the hand camera beside the scene camera (collect --wrist): the
    # conv stem runs on each view apart, the encoder and predictor are shared by the views; 2 x 16
    # tokens, so about twice the predictor's cost per plan. ``--init`` with one-view
    # sim64-conv-deep-residual weights grows the second view (grow.grow_views)
    "sim64-conv-deep-wrist-residual": TrainConfig(
        encoder=EncoderConfig(image_size=64, patch_size=16, dim=64, depth=6, heads=4, mlp_ratio=4.0, views=["front", "wrist"], stem="conv", stem_channels=[32, 64, 64]),
        predictor=PredictorConfig(embed_dim=64, grid=4, views=2, width=128, depth=4, heads=4, mlp_ratio=4.0, max_frames=8, angle_encoding="sincos", residual=True),
        warmup=20,
    ),
    # CI smoke run: a few steps on a tiny dataset
    "smoke": TrainConfig(
        encoder=EncoderConfig(image_size=32, patch_size=16, dim=16, depth=1, heads=2, mlp_ratio=2.0),
        predictor=PredictorConfig(embed_dim=16, grid=2, width=16, depth=1, heads=2, mlp_ratio=2.0, max_frames=4, angle_encoding="sincos"),
        clip_steps=2, batch=4, steps=3, warmup=1, eval_every=0, log_every=1,
    ),
}
