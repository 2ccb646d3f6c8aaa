"""3-axis rotary position encoding of V-JEPA 2, as precomputed tables (ONNX-friendly).

Layout of one head of width ``hd`` (64 in the release): three segments of ``seg`` =
2·⌊⌊hd/3⌋/2⌋ dims (20 at hd 64) rotate by the token's temporal index, patch row and patch
column; the remaining dims (60..63) are not rotated. Within a segment the angles are the
``seg/2`` frequencies ω_k = 10000^(−k/(seg/2)) repeated as a block (k = 0..9, 0..9), while the
rotation pairs adjacent elements (2i, 2i+1):

    out[2i]   = x[2i]·cos a[2i]     − x[2i+1]·sin a[2i]
    out[2i+1] = x[2i+1]·cos a[2i+1] + x[2i]·sin a[2i+1]

so the two members of a pair use different angles. That is a quirk of the public code the
checkpoint was trained with; it is kept on purpose. Written as ``x·cos + x[swap]·sin_signed``
with fixed tables, it exports as Gather/Mul/Add.

Tables are computed in float64 and stored as float32 (reduced-precision tables change outputs).
"""
from __future__ import annotations

from typing import Tuple

import torch

ROPE_BASE = 10000.0


def segment_width(head_dim: int) -> int:
    """Dims per rotated axis: the largest even number <= head_dim / 3."""
    return 2 * ((head_dim // 3) // 2)


def rope_angles(positions: torch.Tensor, head_dim: int) -> torch.Tensor:
    """positions [L, 3] (t, row, col) -> angles [L, head_dim] (float64; unrotated dims 0)."""
    seg = segment_width(head_dim)
    half = seg // 2
    omega = ROPE_BASE ** (-torch.arange(half, dtype=torch.float64) / half)  # [seg/2]
    omega = torch.cat([omega, omega])  # the block repeat, not interleaved
    pos = positions.to(torch.float64)
    angles = torch.zeros(pos.shape[0], head_dim, dtype=torch.float64)
    for axis in range(3):
        angles[:, axis * seg : (axis + 1) * seg] = pos[:, axis : axis + 1] * omega[None, :]
    return angles


def rope_tables(positions: torch.Tensor, head_dim: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """positions [L, 3] -> (cos [L, hd], sin_signed [L, hd]) float32 for ``apply_rope``.

    sin_signed carries the rotation's sign: −sin on even dims, +sin on odd dims.
    """
    a = rope_angles(positions, head_dim)
    sign = torch.ones(head_dim, dtype=torch.float64)
    sign[0::2] = -1.0
    return a.cos().float(), (a.sin() * sign).float()


def pair_swap(head_dim: int) -> torch.Tensor:
    """Index [hd] swapping each adjacent pair: [1, 0, 3, 2, ...] (hd even)."""
    idx = torch.arange(head_dim)
    return idx + 1 - 2 * (idx % 2)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin_signed: torch.Tensor, swap: torch.Tensor) -> torch.Tensor:
    """x [B, heads, L, hd] rotated by tables [L, hd] (broadcast over batch and heads)."""
    return x * cos + x.index_select(3, swap) * sin_signed


def encoder_positions(frames: int, grid: int) -> torch.Tensor:
    """(t, row, col) [frames·grid², 3] of encoder tokens in (t, h, w) order, w fastest."""
    n = torch.arange(frames * grid * grid)
    per_frame = grid * grid
    return torch.stack([n // per_frame, (n % per_frame) // grid, n % grid], dim=1)


def predictor_positions(frames: int, grid: int) -> torch.Tensor:
    """(t, row, col) [frames·(2 + grid²), 3] for blocks [action, state, patches] per timestep.

    Action and state tokens rotate only by time: position (t, 0, 0) does exactly that, since a
    zero angle is the identity. Patch tokens use (t, row, col) as in the encoder.
    """
    patches = encoder_positions(1, grid)  # [grid², 3], t = 0
    rows = []
    for t in range(frames):
        cond = torch.tensor([[t, 0, 0], [t, 0, 0]])
        rows.append(torch.cat([cond, patches + torch.tensor([t, 0, 0])], dim=0))
    return torch.cat(rows, dim=0)
