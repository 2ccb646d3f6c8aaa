"""V-JEPA 2-AC-shaped networks, sized by config: a ViT patch encoder and an action-conditioned
block-causal predictor.

Shapes (B batch, T frames, N patch tokens, D latent width, A action dim, S state dim):
- ``PatchEncoder``: image [B, 3, H, V*W] (normalised float; V camera views side by side, V = 1
  for one camera) -> latents [B, N, D] with N = V * (H/patch)², view by view, LayerNormed
  without affine parameters, so latents live in the normalised space the energy compares in.
- ``ACPredictor``: z [B, T*N, D], actions [B, T, A], states [B, T, S] -> [B, T*N, D]; output
  block t is the prediction of frame t+1. Not normalised: callers LayerNorm it
  (``normalise_latents``) before comparing or feeding it back, as the V-JEPA 2 planning code does.

Attention is written out (q·kᵀ/√d + additive mask, softmax) because torch 1.13 has no fused
attention and the graphs must export to ONNX opset 17.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


# --------------------------------------------------------------------------------------- config


@dataclass
class EncoderConfig:
    """Sizes of the patch encoder. ``image_size`` (each view's side) must be a multiple of
    ``patch_size``. ``views`` names the camera views, tiled left to right in the input image."""

    image_size: int = 64
    patch_size: int = 16
    in_chans: int = 3
    dim: int = 64
    depth: int = 1
    heads: int = 4
    mlp_ratio: float = 4.0
    views: List[str] = field(default_factory=lambda: ["front"])
    # How pixels become tokens: "patch" (the paper's: one linear projection of each patch) or
    # "conv" (3x3 stride-2 convolutions with GELU, ``stem_channels`` wide, then a linear projection
    # of the rest of the patch): nonlinear local features (edges, colour contrasts) before the
    # tokens, the early-convolution ViT stem, for frames whose light and colours vary.
    stem: str = "patch"
    stem_channels: List[int] = field(default_factory=lambda: [32, 64, 64])

    @property
    def grid(self) -> int:
        """Patches per side of one view."""
        return self.image_size // self.patch_size

    @property
    def view_count(self) -> int:
        return len(self.views)

    @property
    def input_width(self) -> int:
        """Width of the encoder's input image: the views side by side."""
        return self.image_size * self.view_count

    @property
    def num_tokens(self) -> int:
        """N, the number of latent tokens per frame (all views)."""
        return self.grid * self.grid * self.view_count

    def validate(self) -> None:
        if not self.views or len(set(self.views)) != len(self.views):
            raise ValueError(f"views must be distinct names, got {self.views}")
        if self.image_size % self.patch_size != 0:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")
        if self.dim % self.heads != 0:
            raise ValueError(f"encoder dim {self.dim} is not divisible by heads {self.heads}")
        if self.stem not in ("patch", "conv"):
            raise ValueError(f"stem must be 'patch' or 'conv', got {self.stem!r}")
        if self.stem == "conv":
            if self.patch_size % 2 ** len(self.stem_channels) != 0:
                raise ValueError(f"a conv stem of {len(self.stem_channels)} stride-2 layers needs a patch_size divisible by {2 ** len(self.stem_channels)}, got {self.patch_size}")


# Action scale: the paper's planning bounds (xyz ±0.075 m, gripper ±0.75); rotations by 0.1 rad.
DEFAULT_ACTION_SCALE = [0.075, 0.075, 0.075, 0.1, 0.1, 0.1, 0.75]
# State normalisation: a tabletop workspace in the robot base frame (metres), Euler angles (rad),
# gripper closedness in [0, 1]. (state - center) / scale is O(1) over the workspace.
DEFAULT_STATE_CENTER = [0.5, 0.0, 0.2, 0.0, 0.0, 0.0, 0.5]
DEFAULT_STATE_SCALE = [0.3, 0.3, 0.3, math.pi, math.pi, math.pi, 0.5]


@dataclass
class PredictorConfig:
    """Sizes of the action-conditioned predictor.

    ``embed_dim`` is the encoder's D, ``grid`` its patches per side and ``views`` its camera views
    (N = views * grid²). ``max_frames``
    bounds T (the temporal embedding table). Actions are divided by ``action_scale`` and states
    normalised as (state - state_center) / state_scale before their linear embeddings.
    """

    embed_dim: int = 64
    grid: int = 4
    views: int = 1
    width: int = 64
    depth: int = 2
    heads: int = 4
    mlp_ratio: float = 4.0
    action_dim: int = 7
    state_dim: int = 7
    max_frames: int = 16
    dropout: float = 0.0
    # "raw": the normalised state goes to the state embedding as is (the paper's way).
    # "sincos": the three Euler angles enter as (sin, cos) pairs instead, so a roll that wraps
    # between +pi and -pi (a tool pointing straight down) is continuous: S + 3 input features.
    angle_encoding: str = "raw"
    # True: block t outputs z_t + delta (the predictor learns the change of the frame, so "nothing
    # moves" is the default and its error floor near a goal is low); False: z_{t+1} directly (paper).
    residual: bool = False
    # Index of the gripper closedness in states and actions, or None. When set, the predictor sees
    # the gripper action it takes effect as, clip(s + a, 0, 1) - s: "open" with the fingers open is
    # "hold" (the simulator clips the command), so the planner cannot find spurious differences
    # between no-ops. None: the raw action (the paper's way; checkpoints from before this field).
    gripper_index: Optional[int] = None
    action_scale: List[float] = field(default_factory=lambda: list(DEFAULT_ACTION_SCALE))
    state_center: List[float] = field(default_factory=lambda: list(DEFAULT_STATE_CENTER))
    state_scale: List[float] = field(default_factory=lambda: list(DEFAULT_STATE_SCALE))

    @property
    def num_tokens(self) -> int:
        return self.grid * self.grid * self.views

    def validate(self) -> None:
        if self.views < 1:
            raise ValueError(f"views must be >= 1, got {self.views}")
        if self.width % self.heads != 0:
            raise ValueError(f"predictor width {self.width} is not divisible by heads {self.heads}")
        if len(self.action_scale) != self.action_dim:
            raise ValueError(f"action_scale has {len(self.action_scale)} entries, action_dim is {self.action_dim}")
        if len(self.state_center) != self.state_dim or len(self.state_scale) != self.state_dim:
            raise ValueError(f"state_center/state_scale must have state_dim={self.state_dim} entries")
        if any(s <= 0 for s in self.action_scale + self.state_scale):
            raise ValueError("action_scale and state_scale entries must be > 0")
        if self.angle_encoding not in ("raw", "sincos"):
            raise ValueError(f"angle_encoding must be 'raw' or 'sincos', got {self.angle_encoding!r}")
        if self.angle_encoding == "sincos" and self.state_dim != 7:
            raise ValueError("angle_encoding 'sincos' needs the 7-D state [x, y, z, roll, pitch, yaw, gripper]")

    @property
    def state_features(self) -> int:
        """Width of the state embedding's input."""
        return self.state_dim + (3 if self.angle_encoding == "sincos" else 0)


def init_weights(module: nn.Module) -> None:
    """LeCun-normal init for every Linear/Conv2d (weights N(0, 1/fan_in), biases 0); LayerNorms
    keep (1, 0). With it a freshly built predictor already responds clearly to in-bound actions
    (energy correlates with action distance), which the random-weight test model relies on."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            fan_in = m.weight[0].numel()
            nn.init.normal_(m.weight, std=fan_in ** -0.5)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


# -------------------------------------------------------------------------------- building blocks


class Attention(nn.Module):
    """Multi-head self-attention, written out: softmax(q·kᵀ/√d + mask)·v."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, tokens: int, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x [B, L, C] with L = ``tokens``, mask [L, L] additive (0 or -inf) -> [B, L, C].

        L is passed as a Python int so the exported graph carries no shape arithmetic.
        """
        L, C = tokens, self.heads * self.head_dim
        qkv = self.qkv(x).reshape(-1, L, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [B, h, L, dh]
        attn = torch.matmul(q, k.transpose(-2, -1)) * self.scale
        if mask is not None:
            attn = attn + mask
        attn = attn.softmax(dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(-1, L, C)
        return self.drop(self.proj(out))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # exact (erf) GELU; exports as Erf
        return self.drop(self.fc2(F.gelu(self.fc1(x))))


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(norm(x)); x + mlp(norm(x))."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), dropout)

    def forward(self, x: torch.Tensor, tokens: int, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), tokens, mask)
        return x + self.mlp(self.norm2(x))


def sincos_1d(positions: int, dim: int) -> torch.Tensor:
    """Fixed sinusoidal embedding [positions, dim]."""
    half = dim // 2
    omega = 1.0 / (10000.0 ** (torch.arange(half, dtype=torch.float64) / max(half, 1)))
    angles = torch.arange(positions, dtype=torch.float64)[:, None] * omega[None, :]
    emb = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    if emb.shape[1] < dim:
        emb = torch.cat([emb, torch.zeros(positions, dim - emb.shape[1], dtype=torch.float64)], dim=1)
    return emb.float()


def sincos_2d(grid: int, dim: int) -> torch.Tensor:
    """Fixed 2-D sinusoidal embedding [grid*grid, dim] (row-major patches): half rows, half columns."""
    half = dim // 2
    rows = sincos_1d(grid, half)  # [g, half]
    cols = sincos_1d(grid, dim - half)
    r = rows[:, None, :].expand(grid, grid, half)
    c = cols[None, :, :].expand(grid, grid, dim - half)
    return torch.cat([r, c], dim=2).reshape(grid * grid, dim)


def view_positions(grid: int, views: int, dim: int) -> torch.Tensor:
    """Position table [views*grid*grid, dim], view by view: each view's 2-D sinusoidal table, view
    v > 0 shifted by a 1-D sinusoid of v (so the views' tokens differ). One view: ``sincos_2d``."""
    base = sincos_2d(grid, dim)
    if views == 1:
        return base
    offsets = sincos_1d(views, dim)
    return torch.cat([base + (offsets[v] - offsets[0]) for v in range(views)], dim=0)


def normalise_latents(z: torch.Tensor, dim: int, eps: float = 1e-5) -> torch.Tensor:
    """LayerNorm over the channel axis without affine parameters (the encoder's output space).

    Unit scale and zero shift are passed explicitly: ONNX opset 17's LayerNormalization requires
    a scale input, and torch 1.13 exports an affine-free layer_norm with an empty one.
    """
    # dim is a Python int (not z.shape[-1]) so tracing for ONNX keeps it static
    return F.layer_norm(z, (dim,), torch.ones(dim, dtype=z.dtype), torch.zeros(dim, dtype=z.dtype), eps)


class LatentNorm(nn.Module):
    """``nn.LayerNorm(dim, elementwise_affine=False)`` that exports to ONNX opset 17."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return normalise_latents(x, self.dim, self.eps)


def frame_index(frames: int, tokens_per_frame: int) -> torch.Tensor:
    """Frame number of every token of T blocks of K tokens: [T*K] int64."""
    return torch.arange(frames).repeat_interleave(tokens_per_frame)


def block_causal_mask(frame_of_token: torch.Tensor) -> torch.Tensor:
    """Additive mask [L, L] from token frame numbers [L]: 0 where the key's frame <= the query's
    frame, -inf elsewhere (a block sees itself and earlier blocks)."""
    hidden = frame_of_token[None, :] > frame_of_token[:, None]
    return torch.zeros(hidden.shape, dtype=torch.float32).masked_fill(hidden, float("-inf"))


# -------------------------------------------------------------------------------------- networks


def conv_stem(cfg: EncoderConfig) -> nn.Sequential:
    """The conv stem: 3x3 stride-2 convolutions with GELU (``stem_channels``), then a linear
    k x k stride-k projection to ``dim`` (k = patch_size / 2^layers): [B, 3, H, W] -> [B, D, H/p, W/p]."""
    layers: List[nn.Module] = []
    c_in = cfg.in_chans
    for c in cfg.stem_channels:
        layers += [nn.Conv2d(c_in, c, kernel_size=3, stride=2, padding=1), nn.GELU()]
        c_in = c
    k = cfg.patch_size // 2 ** len(cfg.stem_channels)
    layers.append(nn.Conv2d(c_in, cfg.dim, kernel_size=k, stride=k))
    return nn.Sequential(*layers)


class PatchEncoder(nn.Module):
    """ViT encoder: image [B, 3, H, V*W] -> normalised patch latents [B, N, D], view by view
    (the patch grid never straddles two views: W is a multiple of the patch size). A conv stem
    runs on each view apart (its 3x3 kernels would otherwise mix the views at their seam)."""

    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.patch_embed = conv_stem(cfg) if cfg.stem == "conv" else nn.Conv2d(cfg.in_chans, cfg.dim, kernel_size=cfg.patch_size, stride=cfg.patch_size)
        # learned 2-D position embedding, started from a 2-D sinusoidal table
        self.pos_embed = nn.Parameter(view_positions(cfg.grid, cfg.view_count, cfg.dim).unsqueeze(0))
        self.blocks = nn.ModuleList([Block(cfg.dim, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth)])
        self.norm = LatentNorm(cfg.dim)  # no affine: outputs are normalised latents
        init_weights(self)

    def tokens(self, image: torch.Tensor) -> torch.Tensor:
        """image [B, 3, H, V*W] -> the stem's tokens [B, N, D] view by view, before positions and blocks."""
        c = self.cfg
        if c.view_count == 1:
            return self.patch_embed(image).reshape(-1, c.dim, c.num_tokens).transpose(1, 2)  # [B, N, D]
        if c.stem == "conv":  # each view through the stem apart: [B*V, 3, H, W] -> [B*V, D, g, g]
            side = c.image_size
            views = image.reshape(-1, c.in_chans, side, c.view_count, side).permute(0, 3, 1, 2, 4).reshape(-1, c.in_chans, side, side)
            x = self.patch_embed(views)
            return x.reshape(-1, c.view_count, c.dim, c.grid * c.grid).permute(0, 1, 3, 2).reshape(-1, c.num_tokens, c.dim)
        x = self.patch_embed(image)  # [B, D, g, V*g]: row-major over the tiled image -> view by view
        return x.reshape(-1, c.dim, c.grid, c.view_count, c.grid).permute(0, 3, 2, 4, 1).reshape(-1, c.num_tokens, c.dim)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.tokens(image) + self.pos_embed
        for blk in self.blocks:
            x = blk(x, self.cfg.num_tokens)
        return self.norm(x)


class ACPredictor(nn.Module):
    """Action-conditioned predictor over per-frame token blocks [action_t, state_t, N patches].

    Each block gets the temporal embedding of its frame; patch tokens also a learned spatial
    embedding. Attention is block-causal: block t sees blocks 0..t. The output drops the action
    and state tokens, LayerNorms, and projects back to the encoder width D.
    """

    def __init__(self, cfg: PredictorConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        W = cfg.width
        self.patch_proj = nn.Linear(cfg.embed_dim, W)
        self.action_proj = nn.Linear(cfg.action_dim, W)
        self.state_proj = nn.Linear(cfg.state_features, W)
        self.spatial_embed = nn.Parameter(view_positions(cfg.grid, cfg.views, W).unsqueeze(0).unsqueeze(0))  # [1,1,N,W]
        self.register_buffer("temporal_embed", sincos_1d(cfg.max_frames, W))  # [max_frames, W]
        # frame number of every token for max_frames blocks; sliced to T*K per call (not saved)
        self.register_buffer("token_frame", frame_index(cfg.max_frames, cfg.num_tokens + 2), persistent=False)
        self.register_buffer("action_scale", torch.tensor(cfg.action_scale, dtype=torch.float32))
        self.register_buffer("state_center", torch.tensor(cfg.state_center, dtype=torch.float32))
        self.register_buffer("state_scale", torch.tensor(cfg.state_scale, dtype=torch.float32))
        self.blocks = nn.ModuleList([Block(W, cfg.heads, cfg.mlp_ratio, cfg.dropout) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(W)
        self.out_proj = nn.Linear(W, cfg.embed_dim)
        init_weights(self)

    def state_features(self, states: torch.Tensor) -> torch.Tensor:
        """states [..., S] -> the state embedding's input [..., cfg.state_features]."""
        x = (states - self.state_center) / self.state_scale
        if self.cfg.angle_encoding == "raw":
            return x
        angles = states[..., 3:6]
        return torch.cat([x[..., 0:3], torch.sin(angles), torch.cos(angles), x[..., 6:7]], dim=-1)

    def forward(
        self, z: torch.Tensor, actions: torch.Tensor, states: torch.Tensor, frames: Optional[int] = None
    ) -> torch.Tensor:
        """z [B, T*N, D], actions [B, T, A], states [B, T, S] -> [B, T*N, D].

        ``frames`` (T) may be given as a Python int so an exported graph has static shapes.
        """
        cfg = self.cfg
        N, W = cfg.num_tokens, cfg.width
        T = int(actions.shape[1]) if frames is None else frames
        if T > cfg.max_frames:
            raise ValueError(f"{T} frames exceed max_frames {cfg.max_frames}")
        patches = self.patch_proj(z).reshape(-1, T, N, W) + self.spatial_embed  # [B, T, N, W]
        if cfg.gripper_index is not None:
            actions = effective_gripper(actions, states, cfg.gripper_index)
        act = self.action_proj(actions / self.action_scale).unsqueeze(2)  # [B, T, 1, W]
        st = self.state_proj(self.state_features(states)).unsqueeze(2)
        x = torch.cat([act, st, patches], dim=2) + self.temporal_embed[:T].reshape(1, T, 1, W)
        K = N + 2
        x = x.reshape(-1, T * K, W)
        mask = block_causal_mask(self.token_frame[: T * K])
        for blk in self.blocks:
            x = blk(x, T * K, mask)
        x = x.reshape(-1, T, K, W)[:, :, 2:, :].reshape(-1, T * N, W)
        out = self.out_proj(self.norm(x))
        return out + z if cfg.residual else out


def effective_gripper(actions: torch.Tensor, states: torch.Tensor, g: int) -> torch.Tensor:
    """actions [..., A] with column ``g`` replaced by the change it makes to the closedness in
    states [..., S]: clip(s_g + a_g, 0, 1) - s_g."""
    s = states[..., g : g + 1]
    eff = (s + actions[..., g : g + 1]).clamp(0.0, 1.0) - s
    return torch.cat([actions[..., :g], eff, actions[..., g + 1 :]], dim=-1)


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def build(enc_cfg: EncoderConfig, pred_cfg: PredictorConfig) -> Tuple[PatchEncoder, ACPredictor]:
    """Both networks from their configs, checking they agree on N and D."""
    if pred_cfg.embed_dim != enc_cfg.dim or pred_cfg.grid != enc_cfg.grid or pred_cfg.views != enc_cfg.view_count:
        raise ValueError(
            f"predictor (embed_dim {pred_cfg.embed_dim}, grid {pred_cfg.grid}, views {pred_cfg.views}) does not match "
            f"encoder (dim {enc_cfg.dim}, grid {enc_cfg.grid}, views {enc_cfg.view_count})"
        )
    return PatchEncoder(enc_cfg), ACPredictor(pred_cfg)

