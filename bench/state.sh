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
. bench/lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state"
export JOB_STATE=$work/state
runs=1000
rounds=5
warmup=20  # per round and command, as bench/lib.sh's alternate runs them
alternate "$work/s" "$rounds" "$runs" \
  "/bin/true" \
  "$bin put_resource_state res K V" \
  "sh -c 'echo K=V >> $work/f'"
{ read -r m_true t_true; read -r m_put t_put; read -r m_sh t_sh; } < "$work/s"

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
