#!/usr/bin/env bash
# Utility benchmarks (issue 4). Prints, from this one run:
#   - `replace` on a generated 200 MB template with 1 M placeholders vs
#     `envsubst` on the same file: time ratio (target <= 1.0x) and the peak
#     memory (RSS) of both; replace's must stay flat (independent of the size)
#   - split_tests with 20 000 test files and their JUnit reports: time
#     (target < 200 ms)
# Usage: bench/util.sh [BINARY]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
for t in envsubst /usr/bin/time python3; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed (gettext-base, time, python3)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# peak RSS in MiB of a command
peak_mib() { python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$(peak "$@")"; }

echo "== replace: 200 MB template, 1 M placeholders =="
tpl=$work/template.txt
python3 - "$tpl" <<'PY'
import sys
# 1 000 000 placeholders ($NAME and ${NAME}, some unset) in 200 MB of text.
line = "x" * 184
with open(sys.argv[1], "w") as f:
    for i in range(1_000_000):
        ref = ("$APP_NAME", "${IMAGE_TAG}", "$UNSET_VAR", "${REGION}")[i % 4]
        f.write(f"key{i % 10}: {ref} {line}\n")
PY
export APP_NAME=my-service IMAGE_TAG=v1.2.3-build.45 REGION=eu-west-1
size_mb=$(( $(stat -c %s "$tpl") / 1000000 ))
echo "template: ${size_mb} MB"
# replace rewrites its file in place: each run works on a fresh copy (the
# copy is hyperfine's --prepare, not measured); envsubst streams to a file.
hyperfine --warmup 1 --runs 5 --export-json "$work/r.json" \
  --prepare "cp $tpl $work/copy.txt" \
  "$bin replace $work/copy.txt" \
  "envsubst < $tpl > $work/env-out.txt" >/dev/null
read -r t_rep t_env < <(mean "$work/r.json")
cp "$tpl" "$work/copy.txt"
"$bin" replace "$work/copy.txt"
envsubst < "$tpl" > "$work/env-out.txt"
cmp -s "$work/copy.txt" "$work/env-out.txt" && same=identical || same=DIFFERENT
echo "replace:  $(ms "$t_rep")   envsubst: $(ms "$t_env")   (outputs $same)"
echo "replace / envsubst:                      $(ratio "$t_rep" "$t_env")x  (target <= 1.0x)"
cp "$tpl" "$work/copy.txt"
m_rep=$(peak_mib "$bin" replace "$work/copy.txt")
m_env=$(peak_mib sh -c "envsubst < $tpl > $work/env-out.txt")
# Flat memory: the same on a template 1/20 the size.
head -c 10000000 "$tpl" > "$work/small.txt"
m_small=$(peak_mib "$bin" replace "$work/small.txt")
echo "peak memory: replace ${m_rep} MiB (10 MB template: ${m_small} MiB), envsubst ${m_env} MiB"

echo "== split_tests: 20 000 test files and their reports =="
python3 - "$work/st" <<'PY'
import os, sys, random
random.seed(3)
root = sys.argv[1]
for i in range(20_000):
    d = os.path.join(root, "test", "pkg%03d" % (i % 400))
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "t%05d_test.rb" % i), "w").close()
# One JUnit report per test file, as most runners write them; some untimed.
rd = os.path.join(root, "reports")
os.makedirs(rd, exist_ok=True)
for i in range(20_000):
    if i % 10 == 9:
        continue
    with open(os.path.join(rd, "TEST-%05d.xml" % i), "w") as f:
        t = random.random() * 30
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
                f'  <testsuite name="t{i}" filepath="/home/ci/app/test/pkg{i % 400:03d}/t{i:05d}_test.rb" tests="3" failures="0" time="{t:.3f}">\n'
                f'    <testcase name="a" classname="c" time="{t/3:.3f}"/>\n'
                f'    <testcase name="b" classname="c" time="{t/3:.3f}"/>\n'
                f'    <testcase name="c" classname="c" time="{t/3:.3f}"/>\n'
                '  </testsuite>\n</testsuites>\n')
PY
cd "$work/st"
export SHIPPABLE_JOB_NUMBER=3 SHIPPABLE_JOB_COUNT=8
hyperfine -N --warmup 3 --runs 20 --export-json "$work/s.json" \
  "$bin split_tests test *_test.rb reports" >/dev/null
read -r t_split < <(mean "$work/s.json")
n=$("$bin" split_tests test '*_test.rb' reports | wc -l)
echo "split_tests (shard 3 of 8, $n files):       $(ms "$t_split")  (target < 200 ms)"
m_split=$(peak_mib "$bin" split_tests test '*_test.rb' reports)
echo "split_tests peak memory: ${m_split} MiB"
