"""The rollout graph's computation, the same for every world model (docs/world-model-contract.md):
latents [1, N, D], state [1, S], actions [B, H, A], goal [1, N, D] -> energy [B] (+ predicted
[B, N, D], the last predicted frame).

The shared inputs are expanded to the batch in-graph. Step k feeds the predictor every frame so
far (the current one, then each prediction) with actions a_0..a_k and states s_0..s_k and keeps
the frame it predicts; between steps the state is advanced by the action. What differs between
model families is passed in: how their predictor yields the next frame (``NextFrame``) and how
they advance the state (``AdvanceState``: jepa_ac adds the action, V-JEPA 2-AC composes the
rotation). energy = mean |predicted_H - goal| over tokens and channels.
"""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Tuple, Union

import torch
from torch import nn

from .constants import ACTIONS, BATCH_AXIS, ENERGY, PREDICTED, ROLLOUT_INPUTS

NextFrame = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, int], torch.Tensor]
"""(frames [B, k*N, D], actions [B, k, A], states [B, k, S], k) -> frame k [B, N, D], normalised
like the encoder's output."""
AdvanceState = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""(state [B, S], action [B, A]) -> the next state [B, S]."""

# Candidates in the example inputs a rollout graph is traced with (more than 1: B stays symbolic).
TRACE_BATCH = 2


def rollout_frames(
    next_frame: NextFrame,
    advance_state: AdvanceState,
    latents: torch.Tensor,
    state: torch.Tensor,
    actions: torch.Tensor,
    horizon: int,
    *,
    tokens: int,
    dim: int,
    state_dim: int,
) -> List[torch.Tensor]:
    """latents [1 or B, N, D], state [1 or B, S], actions [B, horizon, A] -> the ``horizon``
    predicted frames [B, N, D]. The sizes are Python ints so that a traced graph keeps them
    static (only B is dynamic); the state is advanced only between steps."""
    if actions.shape[1] != horizon:
        raise ValueError(f"actions have horizon {actions.shape[1]}, graph has {horizon}")
    batch = actions.shape[0]
    frames = [latents.expand(batch, tokens, dim)]
    states = [state.expand(batch, state_dim)]
    for k in range(horizon):
        frames.append(next_frame(torch.cat(frames, dim=1), actions[:, : k + 1], torch.stack(states, dim=1), k + 1))
        if k + 1 < horizon:
            states.append(advance_state(states[-1], actions[:, k]))
    return frames[1:]


def energy(predicted: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
    """Mean |predicted - goal| over tokens and channels: [..., N, D] -> [...] (the planner's energy)."""
    diff = (predicted - goal).abs()
    # positive axes: a [B, N, D] rollout graph reduces over axes [1, 2]
    return diff.mean(dim=(diff.dim() - 2, diff.dim() - 1))


class RolloutTrace(NamedTuple):
    """What ``torch.onnx.export`` needs to write a rollout graph in the contract's names."""

    args: Tuple[torch.Tensor, ...]  # example inputs (zeros, TRACE_BATCH candidates)
    inputs: List[str]
    outputs: List[str]
    dynamic_axes: Dict[str, Dict[int, str]]
    output_shapes: Dict[str, list]  # readable output shapes to write into the graph


class RolloutGraphBase(nn.Module):
    """The rollout graph module every exporter traces. A model family subclasses it with its
    predictor step (``next_frame``) and state update (``advance_state``); the loop and the energy
    are ``rollout_frames`` and ``energy``. The predictor is held as ``predictor``, the name the
    exported graphs' node scopes carry."""

    def __init__(self, predictor: nn.Module, horizon: int, outputs_predicted: bool, *, max_frames: int, tokens: int, dim: int,
                 state_dim: int, action_dim: int):
        super().__init__()
        if not 1 <= horizon <= max_frames:
            raise ValueError(f"horizon {horizon} must be in [1, {max_frames}]")
        self.predictor = predictor
        self.horizon = horizon
        self.outputs_predicted = outputs_predicted
        self.tokens, self.latent_dim, self.state_dim, self.action_dim = tokens, dim, state_dim, action_dim

    def next_frame(self, frames: torch.Tensor, actions: torch.Tensor, states: torch.Tensor, steps: int) -> torch.Tensor:
        """The family's ``NextFrame``."""
        raise NotImplementedError

    def advance_state(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """The family's ``AdvanceState``."""
        raise NotImplementedError

    def predict(self, latents: torch.Tensor, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """latents [1 or B, N, D], state [1 or B, S], actions [B, H, A] -> z_H [B, N, D] (normalised)."""
        frames = rollout_frames(self.next_frame, self.advance_state, latents, state, actions, self.horizon,
                                tokens=self.tokens, dim=self.latent_dim, state_dim=self.state_dim)
        return frames[-1]

    def forward(
        self, latents: torch.Tensor, state: torch.Tensor, actions: torch.Tensor, goal: torch.Tensor
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        z = self.predict(latents, state, actions)
        e = energy(z, goal)
        return (e, z) if self.outputs_predicted else e

    def trace(self) -> RolloutTrace:
        """Example inputs, tensor names, dynamic axes (B only) and output shapes for the export."""
        n, d = self.tokens, self.latent_dim
        outputs = [ENERGY] + ([PREDICTED] if self.outputs_predicted else [])
        args = (torch.zeros(1, n, d), torch.zeros(1, self.state_dim), torch.zeros(TRACE_BATCH, self.horizon, self.action_dim), torch.zeros(1, n, d))
        shapes = {ENERGY: [BATCH_AXIS], **({PREDICTED: [BATCH_AXIS, n, d]} if self.outputs_predicted else {})}
        return RolloutTrace(args, list(ROLLOUT_INPUTS), outputs, {ACTIONS: {0: BATCH_AXIS}, **{o: {0: BATCH_AXIS} for o in outputs}}, shapes)
