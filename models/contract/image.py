"""The encoder input's preprocessing the manifest describes: uint8 RGB -> (x / scale - mean) / std,
channels first."""
from __future__ import annotations

import numpy as np
import torch

from .constants import IMAGE_MEAN, IMAGE_SCALE, IMAGE_STD


def images_to_tensor(images_u8: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 [..., H, W, 3] RGB -> ``dtype`` [..., 3, H, W], normalised as the manifest says."""
    x = torch.from_numpy(np.ascontiguousarray(images_u8)).to(dtype) / IMAGE_SCALE
    x = (x - torch.tensor(IMAGE_MEAN, dtype=dtype)) / torch.tensor(IMAGE_STD, dtype=dtype)
    return x.movedim(-1, -3).contiguous()
