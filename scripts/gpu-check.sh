#!/usr/bin/env bash
# The GPU path, checked in one short run on an NVIDIA machine (the device tool's H200, bare, no
# registry): the WebGPU execution provider (onnxruntime-node 1.30's Linux binary carries Dawn on
# Vulkan) against the CPU on the shipped models, planning speed on it, and a full-size random-weight
# V-JEPA 2-AC exported there with that machine's own PyTorch, fp32 and fp16, at the paper's 800 x 10.
#
# Here first:  bash scripts/gpu-pack.sh      (Node, node_modules, Vulkan loaders into .gpu/; builds dist/)
# Then, with the device tool:  run  command "bash scripts/gpu-check.sh"  carry [".gpu", "dist"]
#   stages may be named to run fewer: env parity bench-sim vitg (default all, ~9 minutes at most).
# Results land in $OUT (the device tool brings them back): gpu-check.log and one JSON per check.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/jepa-mpc-gpu-check}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-check.log") 2>&1
stages=${*:-env parity bench-sim vitg}
want() { [[ " $stages " == *" $1 "* ]]; }
step() { echo; echo "== $* ($(date +%T))"; }

# Runtime: the carried Node and node_modules; the Vulkan/EGL loaders; the driver's ICD.
if [ -f .gpu/node.tar.xz ] && ! command -v node >/dev/null; then
  mkdir -p .gpu/bin && tar -C .gpu/bin -xJf .gpu/node.tar.xz && export PATH="$PWD/.gpu/bin:$PATH"
fi
[ -d node_modules/onnxruntime-node ] || tar -xJf .gpu/node_modules.tar.xz
for f in .gpu/gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
J="node dist/src/cli/main.js"

if want env; then
  step "machine"
  nvidia-smi -L || echo "no nvidia-smi"
  node --version
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' || echo "no PyTorch"
  ldconfig -p | grep -E 'libvulkan|libEGL' || echo "no Vulkan/EGL loader"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
fi

if want parity; then
  for m in sim-jepa-ac test-tiny vjepa2-tiny; do
    step "WebGPU vs CPU parity: $m"
    timeout 120 $J provider-check --provider webgpu --model "models/$m" --precision fp32 --json >"$OUT/parity-$m.json"
    echo "exit $?"; cat "$OUT/parity-$m.json"
  done
  step "WebGPU vs CPU parity: vjepa2-tiny fp16"
  timeout 120 $J provider-check --provider webgpu --model models/vjepa2-tiny/manifest-fp16.json --json >"$OUT/parity-vjepa2-tiny-fp16.json"
  echo "exit $?"; cat "$OUT/parity-vjepa2-tiny-fp16.json"
fi

if want bench-sim; then
  step "planning speed, sim-jepa-ac: WebGPU, then the CPU (16 cores)"
  timeout 150 $J bench --provider webgpu --model models/sim-jepa-ac --precision fp32 --torch off --repeats 3 --json >"$OUT/bench-sim-webgpu.json"
  echo "exit $?"
  timeout 90 $J bench --model models/sim-jepa-ac --torch off --repeats 3 --json >"$OUT/bench-sim-cpu.json"
  echo "exit $?"
fi

if want vitg; then
  step "full-size V-JEPA 2-AC, random weights, exported with this machine's PyTorch (fp32 + fp16)"
  vitg=/tmp/vjepa2-ac-vitg-random
  PYTHONUNBUFFERED=1 timeout 240 python3 -m models.vjepa2.make_tiny --config vitg --out "$vitg" --no-parity >"$OUT/vitg-export.json"
  echo "exit $?"; du -sh "$vitg" 2>/dev/null
  for manifest in manifest.json manifest-fp16.json; do
    step "V-JEPA 2-AC vitg on WebGPU, $manifest: parity and the paper's 800 x 10"
    timeout 60 $J provider-check --provider webgpu --model "$vitg/$manifest" --json >"$OUT/parity-vitg-$manifest"
    echo "exit $?"
    timeout 150 $J bench --provider webgpu --model "$vitg/$manifest" --samples 800 --iterations 10 --repeats 1 --naive-repeats 0 --variants model --torch off --json >"$OUT/bench-vitg-$manifest"
    echo "exit $?"; cat "$OUT/bench-vitg-$manifest"
  done
fi
step "done"
