#!/bin/bash
# Scores one stage-5w checkpoint the way the README's "Unseen worlds" tables score stage 4:
# export (sim-jepa-ac's planning block), int8 rollouts as the folder's default (two views cost twice
# the predictor's work per plan: fp32 would pass the 100 ms budget), a goal readout trained on the
# two-view randomised data, then pick-and-place with waypoint goals, seeds 0-19, in the suite's
# cases. Needs the stage's data under /tmp/jepa-data (the commands in ../README.md) and `npm run build`.
#
#   bash models/training/issue29-conv/stage5w/evaluate.sh WEIGHTS.pt OUT_DIR [CASES]
#
# CASES: the appearance suite's case ids (default none,light-90,camera-2,table-grey). READOUT=FILE.pt
# (environment; default: this folder's readout.pt) adds that goal readout, READOUT= trains one;
# EPISODES=N (default 20) runs seeds 0..N-1. Writes
# OUT_DIR/model (the exported folder) and OUT_DIR/suite.json (eval --suite appearance --json).
set -euo pipefail
weights=${1:?weights.pt}
out=${2:?output folder}
cases=${3:-none,light-90,camera-2,table-grey}
here=$(cd "$(dirname "$0")" && pwd)
readout=${READOUT-$here/readout.pt}
cd "$here/../../../.."
mkdir -p "$out"
/usr/bin/python3 - "$out/planning.json" <<'PY'
import json, sys
planning = json.load(open("models/sim-jepa-ac/manifest.json"))["planning"]
json.dump(planning, open(sys.argv[1], "w"))
PY
/usr/bin/python3 -m models.jepa_ac.export --weights "$weights" --out "$out/model" --name issue29-stage5w \
  --description "issue 29 stage 5w checkpoint (two views, randomised worlds)" --horizons 1 3 --predicted 1 \
  --planning "$out/planning.json" --subgoals waypoints --shadows
/usr/bin/python3 -m models.jepa_ac.quantize --model "$out/model" --precision int8 --as-default
if [ -n "$readout" ]; then # a two-view readout trained before (it reads pixels: any checkpoint's serves)
  /usr/bin/python3 -m models.jepa_ac.readout --from "$readout" --model "$out/model" --weight 0.1
else # 10,000 frames, 8 minutes on one thread
  /usr/bin/python3 -m models.jepa_ac.readout --data /tmp/jepa-data/train64rw /tmp/jepa-data/grasp64rw --val /tmp/jepa-data/val64rw \
    --model "$out/model" --frames 10000 --epochs 3 --seed 0 --threads 1 --weight 0.1
fi
node dist/src/cli/main.js eval --suite appearance --cases "$cases" --task pick-place --episodes "${EPISODES:-20}" --seed 0 \
  --model "$out/model" --threads 1 --json > "$out/suite.json"
