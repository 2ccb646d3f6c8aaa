"""What the world-model contract fixes by name and value for every exporter: file formats, the
graphs' tensor names, the encoder input's normalisation, the state and action spaces and the
manifest's defaults."""
from __future__ import annotations

MANIFEST_FORMAT = "jepa-mpc/world-model@1"
MANIFEST_FILE = "manifest.json"  # a model folder's default precision; others beside it as manifest-<precision>.json
PARITY_FORMAT = "jepa-mpc/parity@1"
OPSET = 17  # the ONNX opset every graph is exported with

# Tensor names: encoder `image` -> `latents`; rollout (latents, state, actions, goal) -> energy
# (+ predicted). BATCH_AXIS is the rollout graphs' one dynamic axis: the candidates.
IMAGE = "image"
LATENTS = "latents"
STATE = "state"
ACTIONS = "actions"
GOAL = "goal"
ENERGY = "energy"
PREDICTED = "predicted"
ROLLOUT_INPUTS = (LATENTS, STATE, ACTIONS, GOAL)
BATCH_AXIS = "B"

# The encoder input: uint8 RGB, resized by a centre crop, then (x / scale - mean) / std.
ENCODER_FILE = "encoder.onnx"
RESIZE = "center-crop"
IMAGE_SCALE = 255.0
IMAGE_MEAN = [0.485, 0.456, 0.406]
IMAGE_STD = [0.229, 0.224, 0.225]
LAYOUT_IMAGE = "NCHW"  # one frame
LAYOUT_VIDEO = "NCTHW"  # the frame repeated to fill a video tubelet
PRECISION_FP32 = "fp32"
PRECISION_FP16 = "fp16"

STATE_SPACE = {
    "dim": 7,
    "names": ["x", "y", "z", "roll", "pitch", "yaw", "gripper"],
    "units": ["m", "m", "m", "rad", "rad", "rad", "closedness"],
}
ACTION_SPACE = {
    "dim": 7,
    "names": ["dx", "dy", "dz", "droll", "dpitch", "dyaw", "dgripper"],
    "units": ["m", "m", "m", "rad", "rad", "rad", "closedness"],
}
# The paper's CEM settings (FACTS-VJEPA2-AC.md): 800 x 10, top-10, horizon 1, xyz ±0.075 m,
# rotations pinned, gripper ±0.75 snapped to 0 under 0.25, momentum 0.15 on mean and std.
PAPER_PLANNING = {
    "optimizer": "cem",
    "samples": 800,
    "iterations": 10,
    "elites": 10,
    "horizon": 1,
    "lower": [-0.075, -0.075, -0.075, 0, 0, 0, -0.75],
    "upper": [0.075, 0.075, 0.075, 0, 0, 0, 0.75],
    "pinned": [3, 4, 5],
    "gripperIndex": 6,
    "gripperSnap": 0.25,
    "momentumMean": 0.15,
    "momentumStd": 0.15,
}
CONTROL_PERIOD_S = 0.25
BATCH_SIZES = [1, 64, 800]
# Goal-image schemes of the built-in simulator (src/loop/goals.ts SUBGOAL_SCHEMES).
SUBGOAL_SCHEMES = ("paper", "waypoints", "final")
