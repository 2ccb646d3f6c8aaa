"""Reader of the datasets written by ``jepa-mpc collect`` (docs/dataset-format.md).

    ds = Dataset.open("/tmp/jepa-data/train64")          # checks sizes (and sha256 unless verify=False)
    ds.frames  # uint8 [F, H, V*W, 3]: the views side by side (V = 1: the front camera only)
    ds.views  # ["front"] or ["front", "wrist"] (``collect --wrist``)
    ds.episodes  # int64 [E, 5]: global first frame, frame count, kind, task, layout seed
    ds.cf_frames, ds.cf_actions  # counterfactual arrays (``collect --counterfactual``), else None

Every problem (missing or truncated file, wrong checksum, bad manifest, an episode table that
does not match the arrays) raises ``DatasetError`` naming the file.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence

import numpy as np

DATASET_FORMAT = "jepa-mpc/dataset@1"
MANIFEST_NAME = "manifest.json"
STATE_DIM = 7
EPISODE_FIELDS = 5
ARRAYS = {  # name -> (dtype, columns or None for frames)
    "frames": np.uint8,
    "states": np.float32,
    "actions": np.float32,
    "privileged": np.float32,
    "episodes": np.int32,
}
# Optional counterfactual arrays, present in every shard when the manifest has "counterfactual":
# row t is the frame after the other gripper choice (cfActions[t]) from frame t's simulator state.
CF_ARRAYS = {  # manifest files key -> dtype
    "cfFrames": np.uint8,
    "cfActions": np.float32,
}
# Optional per-view arrays: the views a manifest's "views" lists beyond "front".
VIEW_ARRAYS = {  # view -> manifest files key
    "wrist": "wristFrames",
}
# Optional twin array, present in every shard when the manifest's render has "twin": row t is
# frame t's state drawn under a second randomised appearance of its episode (``collect --twin``).
TWIN_ARRAY = "twinFrames"
CF_RULES = ("gripper",)  # the manifest's counterfactual.rule values this reader knows
HASH_CHUNK = 1 << 22


class DatasetError(Exception):
    """A missing, corrupt, truncated or inconsistent dataset; the message names the file."""


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(HASH_CHUNK)
            if not chunk:
                return h.hexdigest()
            h.update(chunk)


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise DatasetError(message)


@dataclass
class Dataset:
    """All shards of a dataset loaded into memory (frames, states, actions, privileged, episodes,
    and the counterfactual frames and actions when the dataset has them)."""

    root: str
    manifest: dict
    frames: np.ndarray  # uint8 [F, H, V*W, 3]: the views side by side, in ``views`` order
    states: np.ndarray  # float32 [F, 7]
    actions: np.ndarray  # float32 [F, 7]
    privileged: np.ndarray  # float32 [F, P] evaluation only
    episodes: np.ndarray  # int64 [E, 5]: global start, frames, kind, task, layout seed
    cf_frames: Optional[np.ndarray] = None  # uint8 [F, H, W, 3]: frame after cf_actions[t] from frame t's state
    cf_actions: Optional[np.ndarray] = None  # float32 [F, 7]: action t with the other gripper choice
    twin_frames: Optional[np.ndarray] = None  # uint8 [F, H, W, 3]: frame t's state under the episode's twin appearance

    @property
    def has_counterfactual(self) -> bool:
        """Whether the dataset carries counterfactual frames and actions (manifest ``counterfactual``)."""
        return self.cf_frames is not None and self.cf_actions is not None

    @property
    def image_size(self) -> int:
        """Side of one view (px)."""
        return int(self.manifest["image"]["height"])

    @property
    def views(self) -> List[str]:
        """Camera views, in the order they are tiled in ``frames`` (manifest ``views``; absent = front)."""
        return list(self.manifest.get("views", ["front"]))

    def view(self, name: str) -> np.ndarray:
        """One view's frames, uint8 [F, H, W, 3] (a strided view of ``frames``)."""
        v, w = self.views.index(name), self.image_size
        return self.frames[:, :, v * w : (v + 1) * w]

    def with_views(self, names: Sequence[str]) -> "Dataset":
        """The same dataset with only the views ``names`` (in that order, each one of ``views``)
        tiled in ``frames``: a one-view preset trains on the front view of a ``collect --wrist``
        collection. The frames are copied (a contiguous array), every other array is shared."""
        missing = [n for n in names if n not in self.views]
        _require(len(names) > 0 and not missing, f"{self.root}: views {list(names)} asked, the dataset has {self.views}")
        if list(names) == self.views:
            return self
        frames = np.ascontiguousarray(np.concatenate([self.view(n) for n in names], axis=2))
        manifest = {**self.manifest, "views": list(names)}
        return replace(self, manifest=manifest, frames=frames)

    @property
    def shadows(self) -> bool:
        """Whether the frames were drawn with shadows (manifest ``render``; absent = no)."""
        return bool(self.manifest.get("render", {}).get("shadows", False))

    @property
    def privileged_fields(self) -> List[str]:
        return list(self.manifest["privileged"]["fields"])

    def priv(self, name: str) -> np.ndarray:
        """A privileged column (or columns for 'cube_pos', 'target'): float32 [F] / [F, 3]."""
        fields = self.privileged_fields
        if name == "cube_pos":
            i = fields.index("cube_x")
            return self.privileged[:, i : i + 3]
        if name == "target":
            i = fields.index("target_x")
            return self.privileged[:, i : i + 3]
        return self.privileged[:, fields.index(name)]

    @staticmethod
    def read_manifest(root: str) -> dict:
        path = os.path.join(root, MANIFEST_NAME)
        if not os.path.isfile(path):
            raise DatasetError(f"{path}: no dataset manifest (an interrupted collection leaves none)")
        try:
            with open(path, encoding="utf-8") as f:
                m = json.load(f)
        except (OSError, ValueError) as e:
            raise DatasetError(f"{path}: not valid JSON ({e})") from e
        _require(isinstance(m, dict) and m.get("format") == DATASET_FORMAT, f"{path}: format must be '{DATASET_FORMAT}', got {m.get('format') if isinstance(m, dict) else type(m).__name__!r}")
        for key in ("image", "shards", "episodes", "frames", "privileged"):
            _require(key in m, f"{path}: missing '{key}'")
        img = m["image"]
        _require(img.get("channels") == 3 and img.get("dtype") == "uint8", f"{path}: image must be uint8 with 3 channels")
        views = m.get("views", ["front"])
        _require(isinstance(views, list) and len(views) > 0 and views[0] == "front" and len(set(views)) == len(views)
                 and all(v in VIEW_ARRAYS for v in views[1:]),
                 f"{path}: 'views' must be 'front' then distinct views of {sorted(VIEW_ARRAYS)}, got {views!r}")
        if "counterfactual" in m:
            cf = m["counterfactual"]
            _require(isinstance(cf, dict) and cf.get("rule") in CF_RULES,
                     f"{path}: 'counterfactual' must be an object with rule one of {list(CF_RULES)}, got {cf!r}")
        return m

    @classmethod
    def open(cls, root: str, verify: bool = True, max_episodes: int = 0) -> "Dataset":
        """Loads and checks a dataset. ``verify`` also checks every file's sha256;
        ``max_episodes`` > 0 loads only the shards needed for that many episodes."""
        m = cls.read_manifest(root)
        H, W = int(m["image"]["height"]), int(m["image"]["width"])
        P = len(m["privileged"]["fields"])
        has_cf = "counterfactual" in m
        has_twin = bool(m.get("render", {}).get("twin"))
        extra_views = [VIEW_ARRAYS[v] for v in m.get("views", ["front"])[1:]]
        wanted = {**ARRAYS, **(CF_ARRAYS if has_cf else {}), **{k: np.uint8 for k in extra_views}, **({TWIN_ARRAY: np.uint8} if has_twin else {})}
        cols = {"frames": H * W * 3, "states": STATE_DIM, "actions": STATE_DIM, "privileged": P, "episodes": EPISODE_FIELDS,
                "cfFrames": H * W * 3, "cfActions": STATE_DIM, TWIN_ARRAY: H * W * 3, **{k: H * W * 3 for k in extra_views}}
        parts: Dict[str, List[np.ndarray]] = {k: [] for k in wanted}
        offset = 0
        loaded_episodes = 0
        for shard in m["shards"]:
            n_frames, n_eps = int(shard["frames"]), int(shard["episodes"])
            rows = {name: n_eps if name == "episodes" else n_frames for name in wanted}  # one row per frame, the table one per episode
            arrays = {}
            for name, dtype in wanted.items():
                _require(name in shard["files"], f"{os.path.join(root, MANIFEST_NAME)}: shard {shard.get('index')} lists no '{name}' file"
                         + (" (the manifest has 'counterfactual')" if name in CF_ARRAYS else "")
                         + (" (the manifest's views list it)" if name in extra_views else "")
                         + (" (the manifest's render says twin)" if name == TWIN_ARRAY else ""))
                entry = shard["files"][name]
                path = os.path.join(root, entry["file"])
                _require(os.path.isfile(path), f"{path}: missing shard file")
                size = os.path.getsize(path)
                want = rows[name] * cols[name] * np.dtype(dtype).itemsize
                _require(size == entry["bytes"] == want, f"{path}: {size} bytes, manifest says {entry['bytes']}, shapes need {want} (truncated or corrupt)")
                if verify:
                    got = _sha256(path)
                    _require(got == entry["sha256"], f"{path}: sha256 {got} does not match the manifest's {entry['sha256']} (corrupt)")
                arr = np.fromfile(path, dtype=np.dtype(dtype).newbyteorder("<"))
                arrays[name] = arr.reshape(rows[name], cols[name])
            eps = arrays["episodes"].astype(np.int64)
            starts, lens = eps[:, 0], eps[:, 1]
            _require(
                bool(np.all(lens > 1)) and bool(np.all(starts[1:] == starts[:-1] + lens[:-1])) and (len(eps) == 0 or (starts[0] == 0 and starts[-1] + lens[-1] == n_frames)),
                f"{os.path.join(root, shard['files']['episodes']['file'])}: episode table does not tile the shard's {n_frames} frames",
            )
            eps[:, 0] += offset
            offset += n_frames
            parts["episodes"].append(eps)
            for name in wanted:
                if name != "episodes":
                    parts[name].append(arrays[name])
            loaded_episodes += n_eps
            if max_episodes and loaded_episodes >= max_episodes:
                break
        _require(len(parts["episodes"]) > 0, f"{root}: dataset has no shards")
        cat = {k: np.concatenate(v, axis=0) for k, v in parts.items()}
        frames = cat["frames"].reshape(-1, H, W, 3)
        if extra_views:  # tile the views side by side: [F, H, V*W, 3]
            frames = np.concatenate([frames] + [cat.pop(k).reshape(-1, H, W, 3) for k in extra_views], axis=2)
        if not max_episodes:
            _require(offset == int(m["frames"]), f"{root}/{MANIFEST_NAME}: says {m['frames']} frames, shards hold {offset}")
            _require(len(cat["episodes"]) == int(m["episodes"]), f"{root}/{MANIFEST_NAME}: says {m['episodes']} episodes, shards hold {len(cat['episodes'])}")
        for name in ("states", "actions", "privileged") + (("cfActions",) if has_cf else ()):
            _require(bool(np.isfinite(cat[name]).all()), f"{root}: non-finite values in {name}")
        return cls(
            root=root,
            manifest=m,
            frames=frames,
            states=cat["states"],
            actions=cat["actions"],
            privileged=cat["privileged"],
            episodes=cat["episodes"],
            cf_frames=cat["cfFrames"].reshape(-1, H, W, 3) if has_cf else None,
            cf_actions=cat["cfActions"] if has_cf else None,
            twin_frames=cat[TWIN_ARRAY].reshape(-1, H, W, 3) if has_twin else None,
        )

    @classmethod
    def concat(cls, parts: Sequence["Dataset"]) -> "Dataset":
        """One dataset of several (e.g. a general and a grasp-heavy collection); they must share
        image size and privileged columns. Episode starts are re-based; ``root`` joins the roots.
        The counterfactual and twin arrays are kept only when every part has them (else None)."""
        _require(len(parts) > 0, "no datasets to join")
        first = parts[0]
        for d in parts[1:]:
            _require(d.image_size == first.image_size, f"{d.root}: images are {d.image_size} px, {first.root} has {first.image_size} px")
            _require(d.privileged_fields == first.privileged_fields, f"{d.root}: privileged columns differ from {first.root}'s")
            _require(d.shadows == first.shadows, f"{d.root}: shadows {d.shadows}, {first.root} has {first.shadows}: frames drawn differently")
            _require(d.views == first.views, f"{d.root}: views {d.views}, {first.root} has {first.views}")
        if len(parts) == 1:
            return first
        offsets = np.cumsum([0] + [len(d.frames) for d in parts[:-1]])
        episodes = []
        for d, off in zip(parts, offsets):
            e = d.episodes.copy()
            e[:, 0] += off
            episodes.append(e)
        cf = all(d.has_counterfactual for d in parts)
        twin = all(d.twin_frames is not None for d in parts)
        return cls(
            root=" + ".join(d.root for d in parts),
            manifest=first.manifest,
            frames=np.concatenate([d.frames for d in parts]),
            states=np.concatenate([d.states for d in parts]),
            actions=np.concatenate([d.actions for d in parts]),
            privileged=np.concatenate([d.privileged for d in parts]),
            episodes=np.concatenate(episodes),
            cf_frames=np.concatenate([d.cf_frames for d in parts]) if cf else None,
            cf_actions=np.concatenate([d.cf_actions for d in parts]) if cf else None,
            twin_frames=np.concatenate([d.twin_frames for d in parts]) if twin else None,
        )
