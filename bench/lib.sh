# Shared by the bench/*.sh scripts (source it after `cd` to the repo root).
# Sets $bin (the release binary, built if missing; or the script's first
# argument), installs hyperfine if missing, and defines helpers.

bin=${1:-target/x86_64-unknown-linux-musl/release/shipctl}
[ -x "$bin" ] || cargo build --release --locked
bin=$(realpath "$bin")
if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 1; }

# ratio A B: A / B with two decimals
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
# mean FILE: the mean seconds of each command of a hyperfine JSON export
mean() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join(str(x["mean"]) for x in r))' "$1"; }
# peak CMD...: the peak resident memory of a command in KiB, from GNU time
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
# ms SECONDS: "1.234 ms"
ms() { python3 -c 'import sys; print("%.3f ms" % (float(sys.argv[1]) * 1000))' "$1"; }

# alternate OUT ROUNDS RUNS CMD...: time every CMD (each a process of its
# own, no shell in between), RUNS calls each split into ROUNDS rounds that
# alternate between the commands, so that a busy machine weighs on all of
# them alike. Writes to OUT one line per CMD: "median mean" in seconds.
alternate() {
  local out=$1 rounds=$2 runs=$3
  shift 3
  local r
  for r in $(seq "$rounds"); do
    hyperfine -N --warmup 20 --runs $((runs / rounds)) --export-json "$out.$r.json" "$@" >/dev/null 2>&1
  done
  python3 - "$out" "$rounds" > "$out" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
times = None
for r in range(1, rounds + 1):
    results = json.load(open("%s.%d.json" % (out, r)))["results"]
    times = times or [[] for _ in results]
    for i, res in enumerate(results):
        times[i] += res["times"]
for t in times:
    print(statistics.median(t), sum(t) / len(t))
PY
}
