#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian 12 machine: Debian's PyTorch, ONNX and NumPy for
# the system Python (the model tools and their tests), OpenBLAS (torch is ~15x faster with it than
# with the reference BLAS), xmllint, PyYAML and libsdformat12 with g++ (the Gazebo harness checks). Node packages come from
# `npm ci`. Idempotent.
set -euo pipefail
PACKAGES=(python3-torch python3-onnx python3-numpy libopenblas0-pthread libxml2-utils python3-yaml libsdformat-dev g++ pkg-config)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
