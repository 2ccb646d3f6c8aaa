"""The V-JEPA 2-AC networks, written to load the released state dicts by their own key names and
to export to ONNX opset 17 with torch 1.13.

- ``VJepa2Encoder``: video [B, 3, T, H, W] (normalised) -> [B, (T/tubelet)·N, D] after the
  encoder's own affine LayerNorm. No position embedding or class token: position enters only
  through RoPE in every block. Keys: ``patch_embed.proj.*``, ``blocks.N.*``, ``norm.*``.
- ``ACPredictor``: z [B, T·N, D], actions [B, T, 7], states [B, T, 7] -> [B, T·N, D]; output
  block t predicts frame t+1. Keys: ``predictor_embed``, ``action_encoder``, ``state_encoder``,
  ``extrinsics_encoder`` (held, unused), ``predictor_blocks.N.*``, ``predictor_norm``,
  ``predictor_proj``.

Export-minded choices: RoPE and masks are precomputed tables (non-persistent buffers, so the
state dict is exactly the checkpoint's); attention is matmul -> add mask -> softmax; the 3-D
patch embedding is a reshape plus matmul with the Conv3d weight (identical to the strided
convolution because kernel = stride), which keeps the graph to basic operators.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..jepa_ac.model import Mlp, block_causal_mask, frame_index
from .config import VJepa2Config
from .rope import apply_rope, encoder_positions, pair_swap, predictor_positions, rope_tables


class RopeAttention(nn.Module):
    """Multi-head self-attention with 3-axis RoPE on q and k. Keys ``qkv.*``, ``proj.*``."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.register_buffer("swap", pair_swap(self.head_dim), persistent=False)

    def forward(self, x: torch.Tensor, tokens: int, cos: torch.Tensor, sin: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        """x [B, L, C], tables [L, hd], mask [L, L] additive or None -> [B, L, C].

        L (``tokens``) is a Python int so the exported graph has no shape arithmetic.
        """
        L, C = tokens, self.heads * self.head_dim
        # qkv splits as [3, heads, hd]: all q, then all k, then all v.
        qkv = self.qkv(x).reshape(-1, L, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q = apply_rope(qkv[0], cos, sin, self.swap)
        k = apply_rope(qkv[1], cos, sin, self.swap)
        attn = torch.matmul(q, k.transpose(-2, -1)) * self.scale
        if mask is not None:
            attn = attn + mask
        out = torch.matmul(attn.softmax(dim=-1), qkv[2]).transpose(1, 2).reshape(-1, L, C)
        return self.proj(out)


class Block(nn.Module):
    """Pre-norm block: x += attn(norm1(x)); x += fc2(GELU(fc1(norm2(x)))). LayerNorm eps 1e-6."""

    def __init__(self, dim: int, heads: int, mlp_hidden: int, eps: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = RopeAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp_hidden)

    def forward(self, x: torch.Tensor, tokens: int, cos: torch.Tensor, sin: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), tokens, cos, sin, mask)
        return x + self.mlp(self.norm2(x))


class PatchEmbed3D(nn.Module):
    """Tubelet embedding, key ``proj`` (a Conv3d with kernel = stride = (tubelet, p, p))."""

    def __init__(self, cfg: VJepa2Config):
        super().__init__()
        self.cfg = cfg
        k = (cfg.tubelet, cfg.patch_size, cfg.patch_size)
        self.proj = nn.Conv3d(cfg.in_chans, cfg.enc_dim, kernel_size=k, stride=k)

    def forward(self, video: torch.Tensor, frames: int) -> torch.Tensor:
        """video [B, C, T, H, W] -> tokens [B, (T/tubelet)·g², D] in (t, h, w) order, w fastest."""
        c = self.cfg
        tt, g, p = frames // c.tubelet, c.grid, c.patch_size
        x = video.reshape(-1, c.in_chans, tt, c.tubelet, g, p, g, p)
        # -> [B, t, h, w, C, dt, dh, dw]: each tubelet flattened in the Conv3d weight's order
        x = x.permute(0, 2, 4, 6, 1, 3, 5, 7).reshape(-1, tt * g * g, c.in_chans * c.tubelet * p * p)
        return F.linear(x, self.proj.weight.reshape(c.enc_dim, -1), self.proj.bias)


class VJepa2Encoder(nn.Module):
    """ViT with RoPE over tubelets: video [B, 3, T, H, W] -> [B, (T/tubelet)·N, D]."""

    def __init__(self, cfg: VJepa2Config, frames: Optional[int] = None):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.frames = cfg.tubelet if frames is None else frames
        if self.frames % cfg.tubelet:
            raise ValueError(f"frames {self.frames} is not a multiple of the tubelet {cfg.tubelet}")
        self.patch_embed = PatchEmbed3D(cfg)
        self.blocks = nn.ModuleList([Block(cfg.enc_dim, cfg.enc_heads, cfg.enc_mlp_hidden, cfg.block_eps) for _ in range(cfg.enc_depth)])
        self.norm = nn.LayerNorm(cfg.enc_dim, eps=cfg.block_eps)
        cos, sin = rope_tables(encoder_positions(self.frames // cfg.tubelet, cfg.grid), cfg.enc_dim // cfg.enc_heads)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    @property
    def tokens(self) -> int:
        return (self.frames // self.cfg.tubelet) * self.cfg.num_tokens

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(video, self.frames)
        for blk in self.blocks:
            x = blk(x, self.tokens, self.rope_cos, self.rope_sin)
        return self.norm(x)


class ACPredictor(nn.Module):
    """Action-conditioned predictor over per-timestep blocks [action_t, state_t, N patches].

    Block-causal: a token of timestep i attends to every token of timesteps j <= i. Action and
    state tokens go through all blocks with the patch tokens and are dropped at the end.
    """

    def __init__(self, cfg: VJepa2Config):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        W = cfg.pred_dim
        self.predictor_embed = nn.Linear(cfg.enc_dim, W)
        self.action_encoder = nn.Linear(cfg.action_dim, W)
        self.state_encoder = nn.Linear(cfg.state_dim, W)
        self.extrinsics_encoder = nn.Linear(cfg.extrinsics_dim, W)  # in the checkpoint; unused
        self.predictor_blocks = nn.ModuleList([Block(W, cfg.pred_heads, cfg.pred_mlp_hidden, cfg.block_eps) for _ in range(cfg.pred_depth)])
        self.predictor_norm = nn.LayerNorm(W, eps=cfg.block_eps)
        self.predictor_proj = nn.Linear(W, cfg.enc_dim)
        per_step = cfg.num_tokens + 2
        cos, sin = rope_tables(predictor_positions(cfg.max_frames, cfg.grid), W // cfg.pred_heads)
        # Tables and timestep indices for the longest history; each call slices the first T blocks.
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.register_buffer("token_step", frame_index(cfg.max_frames, per_step), persistent=False)

    def forward(self, z: torch.Tensor, actions: torch.Tensor, states: torch.Tensor, frames: Optional[int] = None) -> torch.Tensor:
        """z [B, T·N, D], actions [B, T, A], states [B, T, S] -> [B, T·N, D].

        ``frames`` (T) may be given as a Python int so an exported graph has static shapes.
        """
        c = self.cfg
        N, W = c.num_tokens, c.pred_dim
        T = int(actions.shape[1]) if frames is None else frames
        if T > c.max_frames:
            raise ValueError(f"{T} timesteps exceed max_frames {c.max_frames}")
        K = N + 2
        L = T * K
        x = self.predictor_embed(z).reshape(-1, T, N, W)
        a = self.action_encoder(actions).unsqueeze(2)  # [B, T, 1, W]
        s = self.state_encoder(states).unsqueeze(2)
        x = torch.cat([a, s, x], dim=2).reshape(-1, L, W)
        mask = block_causal_mask(self.token_step[:L])
        cos, sin = self.rope_cos[:L], self.rope_sin[:L]
        for blk in self.predictor_blocks:
            x = blk(x, L, cos, sin, mask)
        x = x.reshape(-1, T, K, W)[:, :, 2:, :].reshape(-1, T * N, W)
        return self.predictor_proj(self.predictor_norm(x))


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
