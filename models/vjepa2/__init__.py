"""The released V-JEPA 2-AC (ViT-g/16 encoder + action-conditioned predictor), re-implemented for
loading the public checkpoint strictly and exporting it to the jepa-mpc world-model contract.

Modules: ``config`` (sizes), ``rope`` (3-axis rotary tables), ``model`` (networks),
``pose`` (the planning wrapper's pose update), ``graphs`` (encoder / rollout graph modules),
``checkpoint`` (strict loading), ``onnx_io`` (saving, fp16, NumPy evaluation), ``export`` (CLI),
``make_tiny`` (the deterministic ``models/vjepa2-tiny`` folder). See docs/vjepa2-ac.md.
"""
