#!/usr/bin/env bash
# The README's test command: installs everything the tests need on a fresh machine (apt packages,
# node modules without onnxruntime's GPU download) and runs the whole suite (build, lint, vitest,
# Python model tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
JEPA_MPC_REQUIRE_PYTHON=1 npm test
