#!/usr/bin/env bash
# Checks a libtorch directory and prints what DJL needs to load it instead of the bundled CPU one:
# PYTORCH_LIBRARY_PATH, PYTORCH_VERSION and PYTORCH_FLAVOR, one NAME=VALUE a line.
#   scripts/libtorch-env.sh DIR
# DIR: the folder holding libtorch.so (the lib folder of the libtorch 2.7.1 zip or of a torch 2.7.1
# wheel; the zip's top folder will do). A CUDA libtorch (libtorch_cuda.so) gets the cu128 JNI that
# DJL's pytorch-jni jar holds. What is wrong is said in one line naming it, exit code 2.
set -euo pipefail
fail() { echo "coxswain: $*" >&2; exit 2; }
want=2.7.1 # the libtorch DJL 0.35.1's JNI was built against

[ $# -eq 1 ] && [ -n "$1" ] || fail "usage: libtorch-env.sh DIR (a libtorch directory)"
given=$1
[ -d "$given" ] || fail "libtorch directory '$given' does not exist"
dir=$(cd "$given" && pwd)
# the libtorch zip's top folder: its libraries are in lib/
if [ ! -e "$dir/libtorch.so" ] && [ -e "$dir/lib/libtorch.so" ]; then dir="$dir/lib"; fi

need=(libtorch.so libtorch_cpu.so libc10.so)
flavor=cpu
if [ -e "$dir/libtorch_cuda.so" ]; then
  need+=(libtorch_cuda.so libc10_cuda.so)
  flavor=cu128
fi
for f in "${need[@]}"; do
  [ -f "$dir/$f" ] || fail "'$given' is not a complete libtorch directory: $f is missing from $dir (point at the folder holding libtorch.so, libtorch_cpu.so and libc10.so)"
done

# the version, where the directory says it: the zip's build-version, the wheel's torch/version.py
version=""
if [ -f "$dir/../build-version" ]; then
  version=$(head -n 1 "$dir/../build-version")
elif [ -f "$dir/../version.py" ]; then
  version=$(sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$dir/../version.py" | head -n 1)
fi
if [ -n "$version" ] && [ "${version%%+*}" != "$want" ]; then
  fail "'$given' holds libtorch $version; Coxswain's DJL 0.35.1 needs libtorch $want (the CPU or a CUDA 12.x build)"
fi

echo "PYTORCH_LIBRARY_PATH=$dir"
echo "PYTORCH_VERSION=$want"
echo "PYTORCH_FLAVOR=${PYTORCH_FLAVOR:-$flavor}"
