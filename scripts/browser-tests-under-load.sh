#!/usr/bin/env bash
# Runs the console's browser tests N times in a row (default 10) while another Maven build keeps
# the other core busy, each in a clean clone of HEAD, and says how many passed. The corpus and
# the Maven repository are shared with this checkout (run ./coxswain test once first).
#   scripts/browser-tests-under-load.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10}
work=$(mktemp -d)
trap 'touch "$work/stop"; wait 2>/dev/null; rm -rf "$work"' EXIT
git clone -q "$root" "$work/tests" && git clone -q "$root" "$work/load"
ln -s "$root/data" "$work/tests/data" && ln -s "$root/data" "$work/load/data"
(cd "$work/tests" && mvn -B -o -q install -DskipTests) >"$work/build.log" 2>&1 || { echo "build failed: $work/build.log"; exit 1; }
# the load: a whole build, again and again, until the tests are done
# (verify, not install: the local Maven repository is shared with whatever else runs here)
(cd "$work/load" && while [ ! -f "$work/stop" ]; do mvn -B -o -q clean verify -DskipTests >/dev/null 2>&1 || true; done) &
pass=0
for i in $(seq 1 "$n"); do
  t0=$(date +%s)
  if (cd "$work/tests" && mvn -B -o -pl server surefire:test -Dtest='ConsoleBrowserTest,PrivateReadsTest' \
      -Dsurefire.failIfNoSpecifiedTests=false) >"$work/run-$i.log" 2>&1; then
    pass=$((pass + 1)); echo "run $i: pass in $(( $(date +%s) - t0 )) s, load average $(cut -d' ' -f1 /proc/loadavg)"
  else
    keep="${TMPDIR:-/tmp}/browser-run-$i-$$.log"; cp "$work/run-$i.log" "$keep"
    cp -r "$work/tests/server/target/surefire-reports" "$keep.reports" 2>/dev/null || true
    echo "run $i: FAIL in $(( $(date +%s) - t0 )) s (log kept in $keep)"
    grep -E 'FAIL|AssertionError|Timeout|expected' "$work/run-$i.log" | head -8
  fi
done
echo "passed $pass of $n"
[ "$pass" -eq "$n" ]
