#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a bare NVIDIA machine that reaches no registry (the
# device tool's H200) into .gpu/, which git ignores: this machine's Node binary, the production
# node_modules for linux-x64 only (onnxruntime-node's other platforms and mujoco-js left out: the
# check neither simulates nor runs elsewhere), and Debian's Vulkan/EGL loader packages (the
# WebGPU provider's Dawn needs libvulkan1; the NVIDIA driver brings the ICD). Then run, with the
# device tool: command `bash scripts/gpu-check.sh`, carry [".gpu", "dist"]. Everything must stay
# under the tool's 64 MiB with the working tree; the script prints the total.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
rm -rf .gpu && mkdir -p .gpu/gl
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude

node_bin=$(readlink -f "$(command -v node)")
tar -C "$(dirname "$node_bin")" -cf - "$(basename "$node_bin")" | xz -T2 -9 >.gpu/node.tar.xz

# Production dependencies, paths relative to the project, minus what the check does not load.
mapfile -t deps < <(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' | grep -v '^node_modules/mujoco-js$')
tar -cf - --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' "${deps[@]}" | xz -T2 -9 >.gpu/node_modules.tar.xz

# Debian 12's loaders (x86-64), fetched from Debian's mirrors here.
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/jepa-mpc-apt-amd64)
mkdir -p /tmp/jepa-mpc-apt-amd64/partial
apt-get "${apt_opts[@]}" update >/dev/null
(cd .gpu/gl && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 >/dev/null)

tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
packed=$(du -cb .gpu dist | tail -1 | cut -f1)
echo "packed .gpu/ and dist/: $((packed / 1048576)) MiB; with the working tree $(((packed + tree) / 1048576)) MiB (the device tool carries 64 MiB)"
