"""Strict loading of the released V-JEPA 2-AC checkpoint (``vjepa2-ac-vitg.pt``).

The file is a dict whose ``encoder`` and ``predictor`` entries are state dicts (training saves
also hold ``target_encoder``, optimiser state and so on, which are ignored). Key names carry
``module.`` / ``backbone.`` prefixes from distributed training; every occurrence of those two
substrings is removed, as the public loader does. Unlike that loader (non-strict), every key
our modules expect must be present with the right shape; keys the file has beyond those are
reported, not loaded. Every problem is a ``CheckpointError`` naming the keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Tuple

import torch
from torch import nn

from .config import VJepa2Config
from .model import ACPredictor, VJepa2Encoder

STRIPPED = ("module.", "backbone.")
PREDICTOR_KEY = "predictor"
DEFAULT_ENCODER_KEY = "encoder"
# How many keys of each kind an error lists before "... and N more".
LISTED_KEYS = 12


class CheckpointError(ValueError):
    """The file is unreadable, not a V-JEPA 2-AC checkpoint, or does not match the config."""


@dataclass
class LoadReport:
    """What strict loading found beyond the expected keys (per part: 'encoder', 'predictor')."""

    extra: Dict[str, List[str]] = field(default_factory=dict)
    dtypes: Dict[str, List[str]] = field(default_factory=dict)
    ignored_entries: List[str] = field(default_factory=list)


def read_checkpoint(path: str) -> dict:
    """torch.load (tensors and plain containers only) with errors that say what is wrong."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as e:
        raise CheckpointError(f"checkpoint {path} does not exist") from e
    except Exception as e:  # truncated zip, text file, pickle with code objects...
        raise CheckpointError(
            f"{path} is not a readable PyTorch checkpoint (truncated, corrupt or not written by torch.save?): "
            f"{type(e).__name__}: {e}"
        ) from e
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{path} is not a V-JEPA 2-AC checkpoint: it holds a {type(obj).__name__}, not a dict of state dicts")
    return dict(obj)


def strip_prefixes(state: Mapping[str, object]) -> Dict[str, object]:
    """Removes every ``module.`` and ``backbone.`` from the keys."""
    out: Dict[str, object] = {}
    for key, value in state.items():
        k = str(key)
        for p in STRIPPED:
            k = k.replace(p, "")
        out[k] = value
    return out


def _listing(title: str, items: List[str]) -> str:
    shown = items[:LISTED_KEYS]
    more = f"\n    ... and {len(items) - LISTED_KEYS} more" if len(items) > LISTED_KEYS else ""
    return f"  {title} ({len(items)}):\n" + "\n".join(f"    {s}" for s in shown) + more


def load_strict(module: nn.Module, state: Mapping[str, object], part: str, source: str) -> Tuple[List[str], List[str]]:
    """Copies ``state`` into ``module`` after checking every key; returns (extra keys, file dtypes).

    Raises CheckpointError listing missing keys, wrong shapes and non-tensor values (and the
    extra keys, which usually show what the file really is).
    """
    expected = module.state_dict()
    missing = [f"{k} {list(v.shape)}" for k, v in expected.items() if k not in state]
    bad: List[str] = []
    for k, v in expected.items():
        got = state.get(k)
        if got is None:
            continue
        if not isinstance(got, torch.Tensor):
            bad.append(f"{k}: a {type(got).__name__}, not a tensor")
        elif tuple(got.shape) != tuple(v.shape):
            bad.append(f"{k}: file {list(got.shape)}, expected {list(v.shape)}")
    extra = sorted(k for k in state if k not in expected)
    if missing or bad:
        parts = [f"{source}: the {part} state dict does not match this V-JEPA 2-AC configuration"]
        if missing:
            parts.append(_listing("missing keys", missing))
        if bad:
            parts.append(_listing("wrong shape or type", bad))
        if extra:
            parts.append(_listing("unexpected keys", extra))
        raise CheckpointError("\n".join(parts))
    with torch.no_grad():
        for k, v in expected.items():
            v.copy_(state[k])  # type: ignore[arg-type]  (checked above); casts bf16/fp16 to fp32
    dtypes = sorted({str(state[k].dtype).replace("torch.", "") for k in expected})  # type: ignore[union-attr]
    return extra, dtypes


def load_vjepa2(path: str, cfg: VJepa2Config, encoder_key: str = DEFAULT_ENCODER_KEY) -> Tuple[VJepa2Encoder, ACPredictor, LoadReport]:
    """Builds both networks for ``cfg`` and fills them from the checkpoint file, strictly."""
    ckpt = read_checkpoint(path)
    absent = [k for k in (encoder_key, PREDICTOR_KEY) if not isinstance(ckpt.get(k), Mapping)]
    if absent:
        raise CheckpointError(
            f"{path} is not a V-JEPA 2-AC checkpoint: no {' / '.join(repr(k) for k in absent)} state dict "
            f"(top-level keys: {sorted(map(str, ckpt))[:LISTED_KEYS]})"
        )
    report = LoadReport(ignored_entries=sorted(str(k) for k in ckpt if k not in (encoder_key, PREDICTOR_KEY)))
    encoder, predictor = VJepa2Encoder(cfg), ACPredictor(cfg)
    for part, module, key in (("encoder", encoder, encoder_key), ("predictor", predictor, PREDICTOR_KEY)):
        extra, dtypes = load_strict(module, strip_prefixes(ckpt[key]), part, path)
        report.extra[part] = extra
        report.dtypes[part] = dtypes
    del ckpt
    return encoder.eval(), predictor.eval(), report


def save_released_layout(path: str, encoder: VJepa2Encoder, predictor: ACPredictor, prefix: str = "module.backbone.") -> None:
    """Writes a checkpoint laid out like a training save of the release (keys prefixed as
    distributed training leaves them, plus the entries the hub loader ignores). For tests and
    the tiny model; real checkpoints come from the V-JEPA 2 release."""
    def prefixed(m: nn.Module) -> Dict[str, torch.Tensor]:
        return {prefix + k: v.detach().clone() for k, v in m.state_dict().items()}

    torch.save({"encoder": prefixed(encoder), "predictor": prefixed(predictor), "target_encoder": prefixed(encoder), "epoch": 0}, path)
