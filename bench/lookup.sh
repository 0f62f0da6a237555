#!/usr/bin/env bash
# Lookup and get_json_value benchmarks (issue 2). Prints ratios measured in
# this one run, against baselines measured in the same run:
#   - a lookup vs /bin/true (the cost of starting any process), target <= 1.0x
#   - a lookup vs `jq -r .accessKey integration.json`
#   - get_json_value on a generated 100 MB file vs `jq -r` on the same path:
#     time (target >= 2x faster) and peak memory (target <= 1/2 of jq's)
# Usage: bench/lookup.sh [BINARY]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/x86_64-unknown-linux-gnu/release/shipctl}
[ -x "$bin" ] || cargo build --release --locked
bin=$(realpath "$bin")
if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
for t in jq /usr/bin/time python3; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/job/IN/my-aws-keys-1"
printf '{"accessKey":"AKIAEXAMPLE","secretKey":"s3cr3t"}\n' > "$work/job/IN/my-aws-keys-1/integration.json"
export JOB_PATH=$work/job
export MYAWSKEYS1_INTEGRATION_ACCESSKEY=AKIAEXAMPLE

# mean seconds of each command, from hyperfine's JSON export
mean() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join(str(x["mean"]) for x in r))' "$1"; }
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

echo "== lookup (get_integration_resource_field, variable set) =="
hyperfine -N --warmup 100 --runs 2000 --export-json "$work/l.json" \
  '/bin/true' \
  "$bin get_integration_resource_field my-aws-keys-1 accessKey" \
  "$bin get_integration_resource_field my-aws-keys-1 secretKey" \
  "jq -r .accessKey $work/job/IN/my-aws-keys-1/integration.json" >/dev/null
read -r t_true t_var t_file t_jq < <(mean "$work/l.json")
echo "lookup from a variable / /bin/true:          $(ratio "$t_var" "$t_true")x  (target <= 1.0x)"
echo "lookup from integration.json / /bin/true:    $(ratio "$t_file" "$t_true")x"
echo "lookup from a variable / jq -r .accessKey:   $(ratio "$t_var" "$t_jq")x"

echo "== get_json_value on a 100 MB file =="
big=$work/big.json
python3 - "$big" <<'PY'
import json, sys, random
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write('{"meta": {"generated": true},\n "items": [\n')
    n, size = 0, 0
    while size < 100 * 1024 * 1024:
        item = {"id": n, "name": "item-%d" % n, "price": round(random.random() * 1000, 2),
                "tags": ["a", "b", "c"][: n % 4], "nested": {"deep": {"value": n * 3, "text": "x" * (n % 50)}}}
        line = json.dumps(item)
        if n:
            f.write(",\n")
        f.write(line)
        size += len(line) + 2
        n += 1
    f.write('\n ],\n "last": {"answer": 42}\n}\n')
PY
ls -la "$big" | awk '{printf "file: %.0f MB\n", $5/1048576}'
path='items[500000].nested.deep'
hyperfine --warmup 1 --runs 5 --export-json "$work/j.json" \
  "$bin get_json_value $big $path" "jq -r .$path $big" >/dev/null
read -r t_ship t_jq < <(mean "$work/j.json")
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
m_ship=$(peak "$bin" get_json_value "$big" "$path")
m_jq=$(peak jq -r ".$path" "$big")
diff <("$bin" get_json_value "$big" "$path") <(jq -r ".$path" "$big") >/dev/null && echo "same output as jq: yes"
echo "time:   jq / shipctl = $(ratio "$t_jq" "$t_ship")x faster  (target >= 2x)"
echo "memory: shipctl ${m_ship} KB, jq ${m_jq} KB: shipctl / jq = $(ratio "$m_ship" "$m_jq")  (target <= 0.5)"
