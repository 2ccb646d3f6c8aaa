"""Growing a trained encoder deeper without changing what it computes (issue 29).

A run that has stopped improving for lack of encoder capacity need not start over: the trained
encoder's stem, position embedding and blocks are copied into a deeper encoder of the same width,
and the extra pre-norm blocks start as the identity (their attention and MLP output projections
zeroed, so ``x + attn(norm(x))`` and ``x + mlp(norm(x))`` return ``x``). The grown encoder's
latents equal the trained one's exactly at the first step; the new blocks' gradients are not zero
(the output projections see non-zero inputs), so training moves them from there. The latent size
(tokens x width) stays, so the predictor, the exported rollout graphs and the plan cost do too.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import List

import torch
from torch import nn

from .model import Block, PatchEncoder

# Encoder settings that must match for the trained weights to fit the grown encoder.
SAME_FIELDS = ("image_size", "patch_size", "in_chans", "dim", "heads", "mlp_ratio", "views", "stem", "stem_channels")


def growth_mismatch(target: PatchEncoder, source: PatchEncoder) -> List[str]:
    """The settings that keep ``source`` from growing into ``target`` (empty when it can): every
    encoder setting but the depth must match, and the target may not be shallower."""
    t, s = asdict(target.cfg), asdict(source.cfg)
    out = [f"{k} {s[k]} -> {t[k]}" for k in SAME_FIELDS if t[k] != s[k]]
    if t["depth"] < s["depth"]:
        out.append(f"depth {s['depth']} -> {t['depth']} (shallower)")
    return out


def identity_block(block: Block) -> None:
    """Zeroes a pre-norm block's output projections: the block returns its input."""
    for layer in (block.attn.proj, block.mlp.fc2):
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)


@torch.no_grad()
def grow_encoder(target: PatchEncoder, source: PatchEncoder) -> int:
    """Copies ``source`` into the first blocks of the deeper ``target`` and makes the remaining
    blocks the identity; returns how many blocks were added.

    @raises ValueError naming the settings that differ (``growth_mismatch``)."""
    bad = growth_mismatch(target, source)
    if bad:
        raise ValueError("cannot grow the encoder: " + ", ".join(bad))
    state = source.state_dict()
    missing, unexpected = target.load_state_dict(state, strict=False)
    if unexpected:
        raise ValueError(f"cannot grow the encoder: unexpected weights {sorted(unexpected)[:4]}")
    kept = source.cfg.depth
    if any(not k.startswith("blocks.") or int(k.split(".")[1]) < kept for k in missing):
        raise ValueError(f"cannot grow the encoder: weights missing outside the new blocks: {sorted(missing)[:4]}")
    for block in target.blocks[kept:]:
        identity_block(block)
    return target.cfg.depth - kept
