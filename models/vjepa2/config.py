"""Sizes of the V-JEPA 2-AC networks: the released ViT-g/16 configuration and a tiny one of the
same code for tests. Numbers from FACTS-VJEPA2-CHECKPOINT.md (shared docs).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict


@dataclass(frozen=True)
class VJepa2Config:
    """Every size the encoder and predictor are built from.

    The encoder tokenises [B, 3, T, H, W] video into tubelets of ``tubelet`` frames x
    ``patch_size``² pixels; planning encodes one frame repeated ``tubelet`` times, giving
    ``num_tokens`` = (image_size / patch_size)² tokens of width ``enc_dim``.
    """

    image_size: int = 256
    patch_size: int = 16
    tubelet: int = 2
    in_chans: int = 3
    enc_dim: int = 1408
    enc_depth: int = 40
    enc_heads: int = 22
    # ViT-g's MLP ratio is 48/11: 1408 * 48 / 11 = 6144.
    enc_mlp_hidden: int = 6144
    pred_dim: int = 1024
    pred_depth: int = 24
    pred_heads: int = 16
    pred_mlp_hidden: int = 4096
    action_dim: int = 7
    state_dim: int = 7
    # The checkpoint holds an extrinsics embedding the released model does not use.
    extrinsics_dim: int = 6
    # Longest history (timesteps) the predictor accepts; the public code trains with T <= 32.
    max_frames: int = 32
    # LayerNorm eps inside both networks (blocks and final norms).
    block_eps: float = 1e-6
    # The planning code's extra affine-free LayerNorm on encoder outputs and predictions.
    latent_eps: float = 1e-5

    @property
    def grid(self) -> int:
        """Patches per image side."""
        return self.image_size // self.patch_size

    @property
    def num_tokens(self) -> int:
        """N, latent tokens per frame."""
        return self.grid * self.grid

    @property
    def dim(self) -> int:
        """D, the latent width (the encoder's width)."""
        return self.enc_dim

    def validate(self) -> None:
        """Raises ValueError naming the first inconsistent size."""
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")
        if self.enc_dim % self.enc_heads:
            raise ValueError(f"enc_dim {self.enc_dim} is not divisible by enc_heads {self.enc_heads}")
        if self.pred_dim % self.pred_heads:
            raise ValueError(f"pred_dim {self.pred_dim} is not divisible by pred_heads {self.pred_heads}")
        for name, heads, dim in (("encoder", self.enc_heads, self.enc_dim), ("predictor", self.pred_heads, self.pred_dim)):
            if (dim // heads) // 3 < 2:
                raise ValueError(f"{name} head width {dim // heads} is too small for 3-axis RoPE (needs >= 6)")


# The released vjepa2-ac-vitg.pt: ViT-g/16 encoder (1,012,173,952 parameters) and the 24-block
# action-conditioned predictor (305,220,992 parameters).
VITG = VJepa2Config()

# Same code, test-sized: 32x32 images, 8x8 patches -> 16 tokens. The encoder keeps the real
# 64-wide head (so its RoPE split is exactly the released 20/20/20/4); the predictor uses two
# 16-wide heads (RoPE 4/4/4/4) so the multi-head split and the general layout are exercised.
# About 80 k parameters, so the exported folder stays well under 2 MB.
TINY = replace(
    VITG,
    image_size=32,
    patch_size=8,
    enc_dim=64,
    enc_depth=1,
    enc_heads=1,
    enc_mlp_hidden=128,
    pred_dim=32,
    pred_depth=2,
    pred_heads=2,
    pred_mlp_hidden=64,
    max_frames=8,
)

PRESETS: Dict[str, VJepa2Config] = {"vitg": VITG, "tiny": TINY}


def preset(name: str, image_size: int | None = None) -> VJepa2Config:
    """A named configuration, optionally at another image size (weights do not depend on it)."""
    if name not in PRESETS:
        raise ValueError(f"unknown config {name!r}; choose one of {sorted(PRESETS)}")
    cfg = PRESETS[name] if image_size is None else replace(PRESETS[name], image_size=image_size)
    cfg.validate()
    return cfg
