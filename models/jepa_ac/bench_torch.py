"""The planner's CEM in PyTorch over a model folder's own weights: the baseline `jepa-mpc bench`
compares onnxruntime-node against (its `torchRatio`).

Same weights (``weights.pt``, the file the ONNX graphs were exported from; models/tests/test_shipped.py
checks they agree), same rollout/energy (``RolloutEnergy``), same CEM as src/core/cem.ts: Gaussian
samples around the mean (candidate 0 = the mean), clamped to the manifest's bounds with pinned
dimensions at 0, top-K elites, mean/std blended with momentum, std floored at 1 % of the
half-width, the final mean scored once. Inputs are random latents like bench's. Prints one JSON
object: per setting, the median ms per plan.

    /usr/bin/python3 -m models.jepa_ac.bench_torch --model models/sim-jepa-ac --threads 2 \\
        --setting 300x5e15h1 --setting 800x10e10h1
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from typing import List, Optional, Sequence

import torch

from .export import load_weights
from .rollout import RolloutEnergy
from .threads import use_threads

MIN_STD_FRACTION = 0.01
SETTING = re.compile(r"^(\d+)x(\d+)e(\d+)h(\d+)$")


def cem_plan(energy_fn, lower: torch.Tensor, upper: torch.Tensor, pinned: torch.Tensor, samples: int, iterations: int, elites: int,
             horizon: int, momentum_mean: float, momentum_std: float, gen: torch.Generator) -> torch.Tensor:
    """One CEM plan [H, A] (the TypeScript planner's loop, vectorised)."""
    A = lower.numel()
    half = (upper - lower) / 2
    mean = torch.zeros(horizon, A)
    std = torch.maximum(lower.abs(), upper.abs()).expand(horizon, A).clone() * (~pinned)
    floor = half * MIN_STD_FRACTION * (~pinned)
    for _ in range(iterations):
        noise = torch.randn(samples, horizon, A, generator=gen)
        cand = mean + std * noise
        cand[0] = mean
        cand = torch.minimum(torch.maximum(cand, lower), upper) * (~pinned)
        e = energy_fn(cand)
        idx = torch.topk(e, elites, largest=False).indices
        el = cand[idx]
        mean = momentum_mean * mean + (1 - momentum_mean) * el.mean(0)
        std = momentum_std * std + (1 - momentum_std) * el.std(0, unbiased=False)
        std = torch.maximum(std, floor)
        mean = torch.minimum(torch.maximum(mean, lower), upper) * (~pinned)
    energy_fn(mean.unsqueeze(0))
    return mean


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="CEM planning time in PyTorch over a model folder's weights.pt")
    ap.add_argument("--model", required=True)
    ap.add_argument("--setting", action="append", required=True, help="SAMPLESxITERATIONSeELITEShHORIZON, e.g. 300x5e15h1")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0 = its default)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads > 0:
        use_threads(args.threads)
    with open(os.path.join(args.model, "manifest.json")) as f:
        manifest = json.load(f)
    p = manifest["planning"]
    _, predictor, _ = load_weights(os.path.join(args.model, "weights.pt"))
    lower = torch.tensor(p["lower"], dtype=torch.float32)
    upper = torch.tensor(p["upper"], dtype=torch.float32)
    pinned = torch.zeros(lower.numel(), dtype=torch.bool)
    pinned[p.get("pinned", [])] = True
    cfg = predictor.cfg
    gen = torch.Generator().manual_seed(args.seed)
    latents = torch.randn(1, cfg.num_tokens, cfg.embed_dim, generator=gen)
    goal = torch.randn(1, cfg.num_tokens, cfg.embed_dim, generator=gen)
    state = torch.tensor([[0.4, 0.4, 0.4, 0.0, 0.0, 0.0, 0.0]])
    results: List[dict] = []
    with torch.inference_mode():
        for text in args.setting:
            m = SETTING.match(text)
            if not m:
                raise SystemExit(f"--setting {text!r} is not SAMPLESxITERATIONSeELITEShHORIZON")
            samples, iterations, elites, horizon = (int(v) for v in m.groups())
            rollout = RolloutEnergy(predictor, horizon).eval()
            energy_fn = lambda actions: rollout(latents, state, actions, goal)  # noqa: E731
            run = lambda: cem_plan(energy_fn, lower, upper, pinned, samples, iterations, elites, horizon, p["momentumMean"], p["momentumStd"], gen)  # noqa: E731
            run()  # warm-up
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                run()
                times.append((time.perf_counter() - t0) * 1000)
            results.append({"samples": samples, "iterations": iterations, "elites": elites, "horizon": horizon, "planMs": round(statistics.median(times), 2)})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "settings": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
