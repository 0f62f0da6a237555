#!/usr/bin/env bash
# Lookup and get_json_value benchmarks (issue 2). Prints ratios measured in
# this one run, against baselines measured in the same run:
#   - a lookup vs /bin/true (the cost of starting any process), target <= 1.0x
#   - a lookup vs `jq -r .accessKey integration.json`
#   - the same lookup parsed by clap vs by the fast path (cli::fast_parse)
#   - get_json_value on a generated 100 MB file vs `jq -r` on the same path:
#     time (target >= 10x faster) and peak memory (target <= 4 MB; issue 11)
# Usage: bench/lookup.sh [BINARY]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
for t in jq /usr/bin/time python3; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/job/IN/my-aws-keys-1"
printf '{"accessKey":"AKIAEXAMPLE","secretKey":"s3cr3t"}\n' > "$work/job/IN/my-aws-keys-1/integration.json"
export JOB_PATH=$work/job
export MYAWSKEYS1_INTEGRATION_ACCESSKEY=AKIAEXAMPLE


echo "== lookup (get_integration_resource_field, variable set) =="
alternate "$work/l" 10 2000 \
  '/bin/true' \
  "$bin get_integration_resource_field my-aws-keys-1 accessKey" \
  "$bin get_integration_resource_field my-aws-keys-1 secretKey" \
  "jq -r .accessKey $work/job/IN/my-aws-keys-1/integration.json" \
  "$bin --strict get_integration_resource_field my-aws-keys-1 accessKey"
{ read -r m_true t_true; read -r m_var t_var; read -r m_file t_file; read -r m_jq t_jq; read -r m_clap t_clap; } < "$work/l"
echo "per call (median / mean): /bin/true $(ms "$m_true") / $(ms "$t_true"), lookup $(ms "$m_var") / $(ms "$t_var")"
echo "lookup from a variable / /bin/true:          $(ratio "$m_var" "$m_true")x median, $(ratio "$t_var" "$t_true")x mean  (target <= 1.0x)"
echo "lookup from integration.json / /bin/true:    $(ratio "$m_file" "$m_true")x median, $(ratio "$t_file" "$t_true")x mean"
echo "lookup from a variable / jq -r .accessKey:   $(ratio "$m_var" "$m_jq")x median, $(ratio "$t_var" "$t_jq")x mean"
# The same lookup parsed by clap (a global option keeps it off the fast
# path of cli::fast_parse): the fast path stays while this is above 1.1x.
echo "lookup through clap / through the fast path: $(ratio "$m_clap" "$m_var")x median, $(ratio "$t_clap" "$t_var")x mean  (fast path kept while > 1.1x)"

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
m_ship=$(peak "$bin" get_json_value "$big" "$path")
m_jq=$(peak jq -r ".$path" "$big")
diff <("$bin" get_json_value "$big" "$path") <(jq -r ".$path" "$big") >/dev/null && echo "same output as jq: yes"
echo "time:   jq / shipctl = $(ratio "$t_jq" "$t_ship")x faster  (target >= 10x)"
echo "memory: shipctl ${m_ship} KB, jq ${m_jq} KB: shipctl / jq = $(ratio "$m_ship" "$m_jq")  (target: shipctl <= 4096 KB)"
