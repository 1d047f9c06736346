#!/usr/bin/env bash
# A served run on a real, small tmpfs that fills up (issue 25): the run must say "failed" at once,
# refuse commands, leave a log of whole lines, and resume cleanly once space is back.
# Needs root (mount) and the jar: ./coxswain train --help builds it. Usage: scripts/full-disk.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-8}
jar=server/target/coxswain.jar
[ -f "$jar" ] || { echo "full-disk: build $jar first (./coxswain train --help)"; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "full-disk: mounting a tmpfs needs root"; exit 2; }
work=$(mktemp -d)
mnt=$work/disk
mkdir -p "$mnt"
mount -t tmpfs -o size=${mb}m tmpfs "$mnt"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  umount "$mnt" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/tiny.yaml" <<YAML
max_steps: 1000000
eval_every: 50
checkpoint_every: 20
model: {layers: 1, embed: 16, heads: 2, context: 8}
data: {corpus: $PWD/data/sotu, holdout_every: 4, batch_size: 4, validation_batches: 1}
YAML
export COXSWAIN_TOKEN=full-disk-token
java_opts=(@"$PWD/jvm.options" -jar "$jar")
state() { curl -s "http://127.0.0.1:$port/api/runs/$run"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }

echo "== serve on a ${mb} MB tmpfs"
java "${java_opts[@]}" serve --port 0 --config "$work/tiny.yaml" --run-dir "$mnt/fd" >"$work/out.txt" 2>&1 &
pid=$!
for _ in $(seq 1 240); do grep -q "serving run" "$work/out.txt" && break; sleep 0.5; done
port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out.txt" | head -1 | sed 's/.*://')
run=$(grep -o 'serving run [^ ]*' "$work/out.txt" | head -1 | sed 's/serving run //')
for _ in $(seq 1 240); do [ "$(state | field step)" -ge 45 ] 2>/dev/null && break; sleep 0.5; done
echo "step $(state | field step), status $(state | field status); filling the disk"
dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null || true
for _ in $(seq 1 120); do [ "$(state | field status)" = failed ] && break; sleep 0.5; done
echo "status after the disk filled: $(state | field status) ($(state | field failure))"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $COXSWAIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"type":"evaluate"}' "http://127.0.0.1:$port/api/runs/$run/commands")
echo "a command while full: HTTP $code"
rm -f "$mnt/filler"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $COXSWAIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"type":"evaluate"}' "http://127.0.0.1:$port/api/runs/$run/commands")
echo "a command after space came back: HTTP $code"
kill "$pid"; wait "$pid" || true; pid=""
python3 - "$mnt/fd/events.jsonl" <<'PY'
import json, sys
seqs = [json.loads(l)["seq"] for l in open(sys.argv[1])]
ok = seqs == list(range(1, len(seqs) + 1))
print(f"log: {len(seqs)} whole lines, numbers 1..{seqs[-1]} once each: {ok}")
sys.exit(0 if ok else 1)
PY
echo "== resume"
java "${java_opts[@]}" resume "$mnt/fd" --port 0 >"$work/resume.txt" 2>&1 &
pid=$!
for _ in $(seq 1 240); do grep -q "serving run" "$work/resume.txt" && break; sleep 0.5; done
grep -E "resuming from|skipping" "$work/resume.txt" || true
port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/resume.txt" | head -1 | sed 's/.*://')
s0=$(state | field step)
for _ in $(seq 1 240); do [ "$(state | field step)" -gt "$s0" ] 2>/dev/null && break; sleep 0.5; done
echo "resumed: status $(state | field status), step $(state | field step)"
kill "$pid"; wait "$pid" || true; pid=""
