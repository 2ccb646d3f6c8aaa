"""Growing a trained encoder deeper without changing what it computes (issue 29).

A run that has stopped improving for lack of encoder capacity need not start over: the trained
encoder's stem, position embedding and blocks are copied into a deeper encoder of the same width,
and the extra pre-norm blocks start as the identity (their attention and MLP output projections
zeroed, so ``x + attn(norm(x))`` and ``x + mlp(norm(x))`` return ``x``). The grown encoder's
latents equal the trained one's exactly at the first step; the new blocks' gradients are not zero
(the output projections see non-zero inputs), so training moves them from there. The latent size
(tokens x width) stays, so the predictor, the exported rollout graphs and the plan cost do too.

Adding a camera view (``grow_views``: the hand camera beside the scene camera) starts a two-view
model from a trained one-view model: the stem, blocks and predictor are shared by the views and
copied; the new view's learned position embeddings start as the trained view's shifted by the
views' sinusoidal offset (``model.view_positions``), so the trained view's tokens keep their
positions and the new view's differ from them. The predictor's cost grows with the tokens.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import List

import torch
from torch import nn

from .model import ACPredictor, Block, PatchEncoder, view_positions

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


# Predictor settings that must match for a one-view predictor to grow views.
PREDICTOR_SAME_FIELDS = ("embed_dim", "grid", "width", "depth", "heads", "mlp_ratio", "max_frames", "angle_encoding", "residual", "action_dim", "state_dim")


def _view_table(trained: torch.Tensor, grid: int, views: int) -> torch.Tensor:
    """[..., g*g, W] of the trained view -> [..., views*g*g, W]: view v the trained table plus the views' offset of v."""
    dim = trained.shape[-1]
    offsets = view_positions(grid, views, dim) - view_positions(grid, 1, dim).repeat(views, 1)  # [views*g*g, W], view 0 zero
    tiled = torch.cat([trained] * views, dim=-2)
    return tiled + offsets.to(trained.dtype).reshape((1,) * (trained.dim() - 2) + tuple(offsets.shape))


@torch.no_grad()
def grow_views(target: PatchEncoder, source: PatchEncoder, target_pred: ACPredictor, source_pred: ACPredictor) -> int:
    """Starts the several-view ``target`` encoder and predictor from one-view ``source`` weights
    (deeper targets get identity blocks, as in ``grow_encoder``); returns the views added.

    @raises ValueError naming the settings that differ."""
    t, s = asdict(target.cfg), asdict(source.cfg)
    bad = [f"{k} {s[k]} -> {t[k]}" for k in SAME_FIELDS if k != "views" and t[k] != s[k]]
    if source.cfg.view_count != 1 or target.cfg.views[:1] != source.cfg.views:
        bad.append(f"views {s['views']} -> {t['views']} (a one-view source whose view comes first)")
    if t["depth"] < s["depth"]:
        bad.append(f"depth {s['depth']} -> {t['depth']} (shallower)")
    tp, sp = asdict(target_pred.cfg), asdict(source_pred.cfg)
    bad += [f"predictor {k} {sp[k]} -> {tp[k]}" for k in PREDICTOR_SAME_FIELDS if k in tp and tp[k] != sp[k]]
    if target_pred.cfg.views != target.cfg.view_count or source_pred.cfg.views != 1:
        bad.append(f"predictor views {source_pred.cfg.views} -> {target_pred.cfg.views} (must follow the encoder's)")
    if bad:
        raise ValueError("cannot grow views: " + ", ".join(bad))
    views, grid = target.cfg.view_count, target.cfg.grid
    enc = {k: v for k, v in source.state_dict().items() if k != "pos_embed"}
    missing, unexpected = target.load_state_dict(enc, strict=False)
    kept = source.cfg.depth
    if unexpected or any(k != "pos_embed" and (not k.startswith("blocks.") or int(k.split(".")[1]) < kept) for k in missing):
        raise ValueError(f"cannot grow views: encoder weights differ: {sorted(unexpected)[:4]} {sorted(missing)[:4]}")
    for block in target.blocks[kept:]:
        identity_block(block)
    target.pos_embed.copy_(_view_table(source.pos_embed, grid, views))
    pred = {k: v for k, v in source_pred.state_dict().items() if k != "spatial_embed"}
    missing, unexpected = target_pred.load_state_dict(pred, strict=False)
    if unexpected or [k for k in missing if k != "spatial_embed"]:
        raise ValueError(f"cannot grow views: predictor weights differ: {sorted(unexpected)[:4]} {sorted(missing)[:4]}")
    target_pred.spatial_embed.copy_(_view_table(source_pred.spatial_embed, grid, views))
    return views - 1
