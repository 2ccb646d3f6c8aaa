"""The planning wrapper's state update between autoregressive predictor steps, in-graph.

State and action are 7-D: xyz (m), extrinsic xyz Euler angles (rad), gripper closedness.
Next state: xyz + Δxyz; rotation R(Δ Euler)·R(pose Euler) converted back to extrinsic xyz
Euler; gripper + Δgripper clipped to [0, 1]. The public code does this in float64 with SciPy;
here it is float32 torch ops that export to basic ONNX operators (Sin, Cos, Atan, Where), with
atan2 written out because torch 1.13's exporter has no Atan2.
"""
from __future__ import annotations

import math

import torch

XYZ = slice(0, 3)
EULER = slice(3, 6)
GRIPPER = 6


def euler_to_matrix(e: torch.Tensor) -> torch.Tensor:
    """Extrinsic xyz Euler [B, 3] (roll, pitch, yaw) -> R = Rz(yaw)·Ry(pitch)·Rx(roll) [B, 3, 3]."""
    ca, cb, cg = torch.cos(e[:, 0]), torch.cos(e[:, 1]), torch.cos(e[:, 2])
    sa, sb, sg = torch.sin(e[:, 0]), torch.sin(e[:, 1]), torch.sin(e[:, 2])
    rows = [
        [cb * cg, sa * sb * cg - ca * sg, ca * sb * cg + sa * sg],
        [cb * sg, sa * sb * sg + ca * cg, ca * sb * sg - sa * cg],
        [-sb, sa * cb, ca * cb],
    ]
    return torch.stack([torch.stack(r, dim=1) for r in rows], dim=1)


def atan2(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Quadrant-correct arctangent of y/x in (−π, π], from Atan and Where only."""
    x_safe = torch.where(x == 0, torch.ones_like(x), x)  # keeps inf/nan out of the unused branch
    base = torch.atan(y / x_safe)
    left = torch.where(y >= 0, base + math.pi, base - math.pi)  # x < 0
    out = torch.where(x > 0, base, left)
    return torch.where(x == 0, torch.sign(y) * (math.pi / 2), out)


def matrix_to_euler(r: torch.Tensor) -> torch.Tensor:
    """R [B, 3, 3] -> extrinsic xyz Euler [B, 3]: pitch in [−π/2, π/2], roll and yaw in (−π, π]
    (SciPy's ``as_euler('xyz')`` away from gimbal lock, |pitch| = π/2)."""
    roll = atan2(r[:, 2, 1], r[:, 2, 2])
    pitch = atan2(-r[:, 2, 0], torch.sqrt(r[:, 0, 0] * r[:, 0, 0] + r[:, 1, 0] * r[:, 1, 0]))
    yaw = atan2(r[:, 1, 0], r[:, 0, 0])
    return torch.stack([roll, pitch, yaw], dim=1)


def advance_pose(state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    """state [B, 7], action [B, 7] -> the next state [B, 7] (see the module docstring)."""
    xyz = state[:, XYZ] + action[:, XYZ]
    rot = torch.matmul(euler_to_matrix(action[:, EULER]), euler_to_matrix(state[:, EULER]))
    grip = (state[:, GRIPPER : GRIPPER + 1] + action[:, GRIPPER : GRIPPER + 1]).clamp(0.0, 1.0)
    return torch.cat([xyz, matrix_to_euler(rot), grip], dim=1)
