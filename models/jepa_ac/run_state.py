"""The state of a training run between its steps and its sessions: the resume file (weights,
optimiser, step, minutes used, random states; ``train.py --resume``), the clock its budget and
learning-rate schedule count (``compute_seconds``), and the signals that stop it cleanly."""
from __future__ import annotations

import signal
import sys
import threading
import time
from dataclasses import asdict
from typing import Dict, Optional

import torch

from .train_config import TrainConfig

__all__ = ["RESUME_EVERY_S", "RESUME_FORMAT", "RESUME_SUFFIX", "StopSignals", "compute_seconds", "load_resume"]

RESUME_SUFFIX = ".resume"
RESUME_FORMAT = "jepa-mpc-train-resume-v1"
RESUME_EVERY_S = 300.0  # seconds of training between resume files (also written at every evaluation)


def compute_seconds() -> float:
    """The clock of a run's budget (``--max-minutes``, the LR schedule, "minutes used"): this
    process's CPU seconds over torch's thread count, i.e. seconds of the cores the run may use.
    Alone on the machine it runs with the wall clock; beside other work it slows with the run, so
    a shared machine costs steps per wall minute but not the schedule's shape or the budget."""
    return time.process_time() / max(1, torch.get_num_threads())


def _with_defaults(saved: dict, defaults: dict) -> dict:
    """``saved`` over ``defaults``, nested dicts merged: settings added since a file was written count as their defaults."""
    return {k: _with_defaults(saved.get(k, {}), v) if isinstance(v, dict) else saved.get(k, v) for k, v in defaults.items()} | {
        k: v for k, v in saved.items() if k not in defaults}


def load_resume(path: str, cfg: TrainConfig) -> dict:
    """The resume file of a stopped run; refuses one written by a run with other settings."""
    state = torch.load(path, map_location="cpu")
    if not isinstance(state, dict) or state.get("format") != RESUME_FORMAT:
        raise SystemExit(f"{path} is not a {RESUME_FORMAT} file")
    now = asdict(cfg)
    saved = _with_defaults(state["train_config"], asdict(TrainConfig(encoder=cfg.encoder, predictor=cfg.predictor)))
    diff = sorted(k for k in now if saved.get(k) != now[k])
    if diff:
        raise SystemExit(f"{path} was written by a run with other settings ({', '.join(diff)}): resume with the same flags, or remove it")
    return state


class StopSignals:
    """While a run trains in the main thread, SIGTERM and SIGINT ask it to stop at the end of the
    current step with its resume file written (a ``kill`` loses no steps), instead of dying with up
    to RESUME_EVERY_S of work since the last resume file. A second signal stops at once."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.requested: Optional[str] = None
        self._old: Dict[int, object] = {}

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt(f"second {signal.Signals(signum).name}")
        self.requested = signal.Signals(signum).name
        print(f"{self.requested}: stopping after this step with the resume file written (again to stop at once)", file=sys.stderr, flush=True)

    def __enter__(self) -> "StopSignals":
        if threading.current_thread() is threading.main_thread():
            for s in self.SIGNALS:
                self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)  # type: ignore[arg-type]
