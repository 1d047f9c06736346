#!/usr/bin/env bash
# Proves, on a machine with an NVIDIA GPU, that Coxswain trains there (not run in CI):
#   scripts/gpu-check.sh [LIBTORCH_DIR] [gpu-check options]
# LIBTORCH_DIR (or COXSWAIN_LIBTORCH): a CUDA build of libtorch 2.7.1 (docs/gpu.md says where to
# get one). In under 5 minutes it checks that the run trains on the GPU (run.json and the model's
# arrays say so), that a command applies at the next step, that a checkpoint loaded onto a branch
# saves back bit-equal weights and moments, that live arrays and GPU memory stay flat over 20
# forks, and prints the step time against a plain DJL loop for the default and the gpt2-small
# configurations. Exit 0: every proof held; 1: one did not (its line says FAIL); 2: no GPU, no CUDA
# libtorch, or another set-up problem, named in one line.
# Options after the directory go to `coxswain gpu-check` (--device gpu:1, --forks N,
# --bench-steps N, --gpt2-batch N; `./coxswain gpu-check --help`).
set -euo pipefail
fail() { echo "gpu-check: $*" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
limit=${GPU_CHECK_SECONDS:-300}

libtorch=${COXSWAIN_LIBTORCH:-}
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then libtorch=$1; shift; fi

# the GPU first: without one nothing else matters
command -v nvidia-smi >/dev/null 2>&1 ||
  fail "no NVIDIA GPU here: nvidia-smi is not installed (this check needs a machine with an NVIDIA GPU and its driver)"
gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
[ "$gpus" -gt 0 ] ||
  fail "no NVIDIA GPU visible: nvidia-smi lists none ($(nvidia-smi -L 2>&1 | head -n 1))"
[ -n "$libtorch" ] ||
  fail "no libtorch directory: pass a CUDA libtorch 2.7.1 directory (scripts/gpu-check.sh DIR, or COXSWAIN_LIBTORCH=DIR); docs/gpu.md says where to get one"
case "$libtorch" in /*) ;; *) libtorch="$(pwd)/$libtorch" ;; esac
lines=$("$root/scripts/libtorch-env.sh" "$libtorch") || exit 2
grep -q '^PYTORCH_FLAVOR=cu' <<<"$lines" ||
  fail "'$libtorch' is a CPU libtorch (no libtorch_cuda.so): the GPU needs a CUDA build of libtorch 2.7.1"
command -v java >/dev/null 2>&1 || fail "no java: install a JDK 17 (e.g. apt-get install openjdk-17-jdk)"

echo "gpu-check: $gpus GPU(s): $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1)"
echo "gpu-check: libtorch $libtorch; at most $limit s"
start=$(date +%s)
set +e
timeout "$limit" "$root/coxswain" --libtorch "$libtorch" gpu-check --device gpu "$@"
code=$?
set -e
if [ "$code" -eq 124 ]; then
  fail "did not finish within $limit s (GPU_CHECK_SECONDS); the lines above show how far it got"
fi
echo "gpu-check: exit $code after $(($(date +%s) - start)) s"
exit "$code"
