"""The progress lines the training loops (train.py, readout.py) print: durations as h:mm:ss."""
from __future__ import annotations


def fmt_time(s: float) -> str:
    """Seconds -> h:mm:ss (negative -> 0:00:00)."""
    s = int(max(0, s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
