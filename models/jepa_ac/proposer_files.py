"""The subgoal proposer's files: its PyTorch checkpoint (proposer.pt), ONNX graph (proposer.onnx),
parity fixture (proposer-parity.json) and its entry in an exported model folder's manifests."""
from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..contract.manifest import folder_manifests, write_json
from ..contract.parity import parity_floats
from .onnx_export import save_onnx, set_output_shape, to_onnx
from .onnx_numpy import NumpyOnnx
from .proposer_model import ProposerConfig, SubgoalProposer

PROPOSER_FORMAT = "jepa-mpc/proposer-weights@1"
PROPOSER_PARITY_FORMAT = "jepa-mpc/proposer-parity@1"
PROPOSER_FILE = "proposer.onnx"


def graph_inputs(c: ProposerConfig) -> List[str]:
    """The graph's input names, in the order forward takes them (a conditional proposer's last two)."""
    return ["latents", "goal", "state", *(["given", "given_mask"] if c.conditional else [])]


def save_proposer(path: str, model: SubgoalProposer, names: Sequence[str], extra: Optional[dict] = None) -> None:
    torch.save({"format": PROPOSER_FORMAT, "config": asdict(model.cfg), "state": model.state_dict(), "names": list(names),
                "extra": extra or {}}, path)


def load_proposer(path: str) -> Tuple[SubgoalProposer, List[str]]:
    ckpt = torch.load(path, map_location="cpu")
    if not isinstance(ckpt, dict) or ckpt.get("format") != PROPOSER_FORMAT:
        raise ValueError(f"{path} is not a {PROPOSER_FORMAT} checkpoint")
    model = SubgoalProposer(ProposerConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["state"])
    return model.eval(), ckpt["names"]


def proposer_graph(model: SubgoalProposer):
    """The ONNX graph: inputs latents, goal, state (and, conditional, given [1, K, N, D] and
    given_mask [1, K]); outputs subgoals, grippers."""
    c = model.cfg
    args = (torch.zeros(1, c.tokens, c.dim), torch.zeros(1, c.tokens, c.dim), torch.zeros(1, c.state_dim))
    if c.conditional:
        args = (*args, torch.zeros(1, c.subgoals, c.tokens, c.dim), torch.zeros(1, c.subgoals))
    graph = to_onnx(model.eval(), args, graph_inputs(c), ["subgoals", "grippers"], None)
    set_output_shape(graph, "subgoals", [1, c.subgoals, c.tokens, c.dim])
    set_output_shape(graph, "grippers", [1, c.subgoals + 1])
    return graph


def _fixture_inputs(c: ProposerConfig, seed: int) -> Tuple[torch.Tensor, ...]:
    """latents, goal, state (and, conditional, given stages with a mask giving every other one)."""
    g = torch.Generator().manual_seed(seed)
    base = (torch.randn(1, c.tokens, c.dim, generator=g, dtype=torch.float64), torch.randn(1, c.tokens, c.dim, generator=g, dtype=torch.float64),
            torch.randn(1, c.state_dim, generator=g, dtype=torch.float64) * 0.3)
    if not c.conditional:
        return base
    given = torch.randn(1, c.subgoals, c.tokens, c.dim, generator=g, dtype=torch.float64)
    mask = torch.tensor([[float(k % 2) for k in range(c.subgoals)]], dtype=torch.float64)
    return (*base, given, mask)


def proposer_parity(model: SubgoalProposer, seed: int = 2468) -> dict:
    """PyTorch outputs (float64) on fixed inputs, for the TypeScript side."""
    c = model.cfg
    m64 = SubgoalProposer(c).double()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    inputs = _fixture_inputs(c, seed)
    with torch.no_grad():
        sub, grip = m64(*inputs)
    fixture = {
        "format": PROPOSER_PARITY_FORMAT,
        "description": "proposer.onnx outputs for fixed inputs (float64 PyTorch, rounded to float32).",
        "tolerance": 1e-4,
        "latents": parity_floats(inputs[0]), "goal": parity_floats(inputs[1]), "state": parity_floats(inputs[2]),
        "subgoals": parity_floats(sub), "grippers": parity_floats(grip),
    }
    if c.conditional:
        fixture.update({"given": parity_floats(inputs[3]), "given_mask": parity_floats(inputs[4])})
    return fixture


def add_to_model(model_dir: str, model: SubgoalProposer, task: str, names: Sequence[str], steps: Sequence[int], report: Optional[dict] = None) -> Dict[str, float]:
    """Writes proposer.onnx / proposer.pt / proposer-parity.json into an exported model folder and
    records the proposer in its manifests (each precision's). Returns the ONNX-vs-PyTorch max abs differences."""
    manifest_path = os.path.join(model_dir, "manifest.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    c = model.cfg
    if manifest["encoder"]["output"]["tokens"] != c.tokens or manifest["encoder"]["output"]["dim"] != c.dim:
        raise ValueError("the proposer's latent shape differs from the model's encoder output")
    if len(names) != c.subgoals + 1 or len(steps) != c.subgoals + 1:
        raise ValueError(f"need {c.subgoals + 1} stage names and step budgets (the subgoals, then the goal)")
    save_onnx(proposer_graph(model), os.path.join(model_dir, PROPOSER_FILE))
    save_proposer(os.path.join(model_dir, "proposer.pt"), model, names, {"report": report or {}})
    write_json(os.path.join(model_dir, "proposer-parity.json"), proposer_parity(model))
    inputs = [t.float() for t in _fixture_inputs(c, 99)]
    with torch.no_grad():
        sub, grip = model(*inputs)
    got = NumpyOnnx(os.path.join(model_dir, PROPOSER_FILE)).run({name: t.numpy() for name, t in zip(graph_inputs(c), inputs)})
    for file in folder_manifests(model_dir):  # every precision's manifest names the one fp32 proposer
        with open(os.path.join(model_dir, file), encoding="utf-8") as f:
            manifest = json.load(f)
        manifest["subgoalProposer"] = {"file": PROPOSER_FILE, "task": task, "stages": list(names), "steps": [int(s) for s in steps],
                                       **({"conditional": True} if c.conditional else {})}
        write_json(os.path.join(model_dir, file), manifest)
    return {"proposer.onnx:subgoals": float(np.abs(got["subgoals"] - sub.numpy()).max()),
            "proposer.onnx:grippers": float(np.abs(got["grippers"] - grip.numpy()).max())}


# The step budget per stage written by default: the waypoint scheme's (src/loop/goals.ts).
