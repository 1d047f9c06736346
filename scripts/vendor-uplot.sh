#!/usr/bin/env bash
# Refreshes the vendored uPlot under server/src/main/resources/webroot/vendor (development time only).
set -euo pipefail
version="${1:?usage: scripts/vendor-uplot.sh VERSION (e.g. 1.6.32)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "uplot@$version" --silent >/dev/null && tar xzf "uplot-$version.tgz")
dest="$root/server/src/main/resources/webroot/vendor/uplot-$version"
mkdir -p "$dest"
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" "$dest/"
echo "uplot $version -> $dest; tarball sha256 $(sha256sum "$tmp/uplot-$version.tgz" | cut -d' ' -f1)"
echo "now point index.html at vendor/uplot-$version and update vendor/README.md"
