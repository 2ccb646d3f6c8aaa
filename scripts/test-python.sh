#!/usr/bin/env bash
# Runs the Python model tests (models/tests) with Debian's system interpreter and its torch/onnx.
# Without them the tests are skipped with a message, unless JEPA_MPC_REQUIRE_PYTHON=1 (CI), which
# makes their absence a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, onnx, numpy' 2>/dev/null; then
  msg="Python model tests need Debian's python3-torch, python3-onnx and python3-numpy for /usr/bin/python3 (run scripts/install-test-deps.sh)"
  if [ "${JEPA_MPC_REQUIRE_PYTHON:-0}" = "1" ]; then
    echo "FAIL: $msg" >&2
    exit 1
  fi
  echo "SKIPPED: $msg" >&2
  exit 0
fi
exec "$PY" -m unittest discover -s models/tests -t .
