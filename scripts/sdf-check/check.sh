#!/usr/bin/env bash
# Checks SDFormat files with Debian's libsdformat12 (libsdformat-dev; scripts/install-test-deps.sh
# installs it): builds scripts/sdf-check/sdf-check.cc once into $SDF_CHECK_BUILD (default
# /tmp/jepa-mpc-sdf-check) and loads each file. libsdformat12 reads SDF up to 1.9 and our world
# declares 1.10 (Gazebo Harmonic's sdformat14), so each file is checked as a copy declaring 1.9:
# any element 1.10 added would then be reported. Exit 1 on the first file with errors.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${SDF_CHECK_BUILD:-/tmp/jepa-mpc-sdf-check}"
mkdir -p "$build"
bin="$build/sdf-check"
if [ ! -x "$bin" ] || [ "$here/sdf-check.cc" -nt "$bin" ]; then
  g++ -std=c++17 -O1 -o "$bin" "$here/sdf-check.cc" $(pkg-config --cflags --libs sdformat12)
fi
for file in "$@"; do
  copy="$build/$(basename "$file")"
  sed -E 's/<sdf version="1\.1[0-9]"/<sdf version="1.9"/' "$file" >"$copy"
  echo "== $file (checked as SDF 1.9 by libsdformat12)"
  "$bin" "$copy"
done
