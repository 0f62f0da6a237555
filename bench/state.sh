#!/usr/bin/env bash
# put_resource_state benchmark (issue 4). In one hyperfine run: 1 000 calls of
#   shipctl put_resource_state res K V
# against 1 000 calls of the shell idiom it replaces,
#   sh -c 'echo K=V >> f'
# each call a process of its own (hyperfine -N, no shell in between), and
# prints shipctl / sh (target <= 1.0x). /bin/true is measured too, as the
# floor of starting any process. Afterwards it checks that both files hold
# their lines whole.
# Usage: bench/state.sh [BINARY]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/x86_64-unknown-linux-gnu/release/shipctl}
[ -x "$bin" ] || cargo build --release --locked
bin=$(realpath "$bin")
if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state"
export JOB_STATE=$work/state
runs=1000
rounds=5
warmup=20
# The machine may be busy: hyperfine measures its commands one after the
# other, so the 1 000 calls of each are split into rounds that alternate,
# and every call's time is kept (mean and median ratios both printed).
for r in $(seq "$rounds"); do
  hyperfine -N --warmup "$warmup" --runs $((runs / rounds)) --export-json "$work/s$r.json" \
    "/bin/true" \
    "$bin put_resource_state res K V" \
    "sh -c 'echo K=V >> $work/f'" >/dev/null 2>&1
done

read -r t_true t_put t_sh m_true m_put m_sh < <(python3 - "$work" "$rounds" <<'PY2'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
times = [[], [], []]
for r in range(1, rounds + 1):
    for i, res in enumerate(json.load(open("%s/s%d.json" % (work, r)))["results"]):
        times[i] += res["times"]
means = [sum(t) / len(t) for t in times]
medians = [statistics.median(t) for t in times]
print(" ".join(str(x) for x in means + medians))
PY2
)
ms() { python3 -c 'import sys; print("%.3f ms" % (float(sys.argv[1]) * 1000))' "$1"; }
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

want=$((runs + rounds * warmup))
lines_put=$(grep -c '^K=V$' "$JOB_STATE/res.env")
lines_sh=$(grep -c '^K=V$' "$work/f")
echo "== put_resource_state: $runs calls vs $runs calls of sh -c 'echo K=V >> f' =="
echo "mean per call:   /bin/true $(ms "$t_true"), shipctl put $(ms "$t_put"), sh echo >> $(ms "$t_sh")"
echo "median per call: /bin/true $(ms "$m_true"), shipctl put $(ms "$m_put"), sh echo >> $(ms "$m_sh")"
echo "total for $runs calls: shipctl $(python3 -c "print('%.2f s' % ($t_put * $runs))"), sh $(python3 -c "print('%.2f s' % ($t_sh * $runs))")"
echo "lines written: shipctl $lines_put, sh $lines_sh (each should be $want)"
echo "shipctl / sh (medians) = $(ratio "$m_put" "$m_sh")x"
echo "shipctl / sh (means, i.e. total time of the $runs calls) = $(ratio "$t_put" "$t_sh")x  (target <= 1.0x)"
[ "$lines_put" -eq "$want" ] && [ "$(wc -l < "$JOB_STATE/res.env")" -eq "$want" ] ||
  { echo "bench: res.env does not hold $want whole lines" >&2; exit 1; }
