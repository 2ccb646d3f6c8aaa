"""The world-model contract (docs/world-model-contract.md) as code, shared by every exporter
(``models.jepa_ac`` and ``models.vjepa2``):

- ``constants``: the graphs' tensor names, file formats, the encoder input's normalisation, the
  state and action spaces and the manifest's defaults (control period, batch sizes, the paper's
  planning settings);
- ``manifest``: the one manifest assembler and the JSON writer of every model file;
- ``image``: the encoder input's preprocessing the manifest describes;
- ``parity``: the parity fixture (``parity.json``: PyTorch outputs on fixed inputs);
- ``rollout``: the rollout graph's computation, H autoregressive predictor steps with each
  model family's predictor step and state update passed in, then the energy to the goal.
"""
