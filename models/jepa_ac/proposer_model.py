"""The subgoal proposer's network (trained by proposer.py, saved and exported by proposer_files.py).

One transformer over [first frame's N tokens, goal's N tokens, a state token, K x N subgoal query
tokens, K + 1 gripper query tokens]: from the first frame's latents, one goal image's latents and
the 7-D state, the latents of the K stages between and the closedness at each stage and at the goal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import torch
from torch import nn

from .model import Block, LatentNorm, init_weights, view_positions

STATE_DIM = 7
MASKED_LOGIT = 1e4  # subtracted from the logits of stages not given (a softmax weight of exp(-1e4) = 0)
GRIPPER_INDEX = 6


@dataclass
class ProposerConfig:
    tokens: int = 16
    dim: int = 64
    state_dim: int = STATE_DIM
    subgoals: int = 5
    width: int = 128
    depth: int = 4
    heads: int = 4
    mlp_ratio: float = 4.0
    views: int = 1  # camera views the tokens come from (tokens = views * grid²)
    # Conditional: the graph also takes the stages whose goal images were given (`given` [B, K, N, D]
    # with `given_mask` [B, K], 1 = given) and proposes the others from them too. Off for proposers
    # trained before it (their graphs take latents, goal and state only).
    conditional: bool = False


class SubgoalProposer(nn.Module):
    """(first latents [B, N, D], goal latents [B, N, D], state [B, S][, given [B, K, N, D],
    given_mask [B, K]]) -> subgoal latents [B, K, N, D], grippers [B, K + 1] in [0, 1].

    One transformer over [first frame's N tokens, goal's N tokens, a state token, K x N subgoal
    query tokens, K + 1 gripper query tokens]; each subgoal is the first frame's latents plus a
    predicted change, LayerNormed (the background stays put between stages). A conditional
    proposer adds each given stage's latents (and a 'given' role) to that stage's query tokens, so
    the stages between lean on the images the user gave (e.g. hover and at-cube on 'grasped')."""

    def __init__(self, cfg: ProposerConfig):
        super().__init__()
        self.cfg = cfg
        n, w, k = cfg.tokens, cfg.width, cfg.subgoals
        grid = int(round((n // cfg.views) ** 0.5))
        if grid * grid * cfg.views != n:
            raise ValueError(f"tokens must be {cfg.views} view(s) of a square grid, got {n}")
        self.latent_in = nn.Linear(cfg.dim, w)
        self.state_in = nn.Linear(cfg.state_dim, w)
        self.register_buffer("pos", view_positions(grid, cfg.views, w).unsqueeze(0), persistent=False)  # [1, N, W]
        self.role = nn.Parameter(torch.zeros(3 if cfg.conditional else 2, w))  # first frame, goal[, a given stage]
        if cfg.conditional:
            # Stage k's query tokens receive sum_j mix[k, j] x (given stage j's token at the same grid place):
            # every stage sees every given image place by place, without learning to find it by attention.
            self.given_mix = nn.Parameter(torch.full((k, k), 1.0 / k))
            # ... and starts from them: stage k = LN(a softmax-weighted mean of the first frame and the given
            # stages + change). The logits start at 1 - |k - j| against the first frame's 0 (near given
            # stages weigh most: hover and at-cube start close to a given 'grasped'); they are learnt.
            near = torch.arange(k, dtype=torch.float32)
            self.base_logits = nn.Parameter(1.0 - (near[:, None] - near[None, :]).abs())
        self.subgoal_query = nn.Parameter(torch.zeros(k, w))
        self.gripper_query = nn.Parameter(torch.zeros(k + 1, w))
        self.blocks = nn.ModuleList([Block(w, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(w)
        self.latent_out = nn.Linear(w, cfg.dim)
        self.gripper_out = nn.Linear(w, 1)
        self.latent_norm = LatentNorm(cfg.dim)
        init_weights(self)
        nn.init.normal_(self.role, std=0.02)
        nn.init.normal_(self.subgoal_query, std=0.02)
        nn.init.normal_(self.gripper_query, std=0.02)

    @property
    def sequence(self) -> int:
        c = self.cfg
        return 2 * c.tokens + 1 + c.subgoals * c.tokens + c.subgoals + 1

    def forward(self, latents: torch.Tensor, goal: torch.Tensor, state: torch.Tensor, given: Optional[torch.Tensor] = None,
                given_mask: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        c = self.cfg
        n, k, w = c.tokens, c.subgoals, c.width
        first = self.latent_in(latents) + self.pos + self.role[0]
        last = self.latent_in(goal) + self.pos + self.role[1]
        s = self.state_in(state).unsqueeze(1)
        queries = (self.subgoal_query.unsqueeze(1) + self.pos).reshape(1, k * n, w).expand(latents.shape[0], -1, -1)  # [B, K x N, W]
        base: Optional[torch.Tensor] = None  # [B, K, N, D] moved toward the given stages (conditional), else the first frame
        if c.conditional:
            b = latents.shape[0]
            if given is None or given_mask is None:
                given, given_mask = latents.new_zeros(b, k, n, c.dim), latents.new_zeros(b, k)
            g = (given_mask[:, :, None, None] * (self.latent_in(given) + self.role[2])).reshape(b, k, n * w)
            queries = queries + torch.matmul(self.given_mix, g).reshape(b, k * n, w)
            logits = self.base_logits.unsqueeze(0) + (given_mask.unsqueeze(1) - 1.0) * MASKED_LOGIT  # [B, K, K]: not given = -inf
            weights = torch.softmax(torch.cat([logits.new_zeros(b, k, 1), logits], dim=2), dim=2)  # [B, K, 1 + K]
            sources = torch.cat([latents.unsqueeze(1), given], dim=1).reshape(b, 1 + k, n * c.dim)
            base = torch.matmul(weights, sources).reshape(b, k, n, c.dim)
        elif given is not None and given_mask is not None and bool((given_mask != 0).any()):
            raise ValueError("this proposer is not conditional: it cannot take given stages")
        grip = self.gripper_query.unsqueeze(0).expand(latents.shape[0], -1, -1)
        x = torch.cat([first, last, s, queries, grip], dim=1)
        for blk in self.blocks:
            x = blk(x, self.sequence)
        x = self.norm(x)
        q0 = 2 * n + 1
        delta = self.latent_out(x[:, q0 : q0 + k * n]).reshape(-1, k, n, c.dim)
        subgoals = self.latent_norm((latents.unsqueeze(1) if base is None else base) + delta)
        grippers = torch.sigmoid(self.gripper_out(x[:, q0 + k * n :]).squeeze(-1))
        return subgoals, grippers
