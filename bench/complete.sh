#!/usr/bin/env bash
# Completion benchmarks (issue 5): what one TAB costs, and that an ordinary
# call is not slowed by the completion hook. Prints mean times measured in
# this one run, against /bin/true (the cost of starting any process):
#   - `__complete` for command names, resource names and field names in a
#     job environment (target: a few milliseconds)
#   - the whole bash TAB (the script's function calling the binary)
#   - an ordinary lookup, for comparison
# Usage: bench/complete.sh [BINARY]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A job with 40 resources by variable and folder, one with an integration.
for i in $(seq 1 40); do
  mkdir -p "$work/job/IN/res-$i"
  export "RES$i"_NAME="res-$i" "RES$i"_OPERATION=IN "RES$i"_TYPE=params
done
mkdir -p "$work/job/IN/my-aws-keys-1"
printf '{"accessKey":"AKIAEXAMPLE","secretKey":"s3cr3t","region":"eu-west-1"}\n' \
  > "$work/job/IN/my-aws-keys-1/integration.json"
printf 'accessKey="AKIAEXAMPLE"\nsecretKey="s3cr3t"\nregion="eu-west-1"\n' \
  > "$work/job/IN/my-aws-keys-1/integration.env"
export JOB_PATH=$work/job MYAWSKEYS1_NAME=my-aws-keys-1 MYAWSKEYS1_OPERATION=IN
export MYAWSKEYS1_INTEGRATION_ACCESSKEY=AKIAEXAMPLE

# Sanity: the requests answer what the bench claims to measure.
"$bin" __complete bash 2 -- shipctl get_integration_resource_field "" | grep -qx my-aws-keys-1
"$bin" __complete bash 3 -- shipctl get_integration_resource_field my-aws-keys-1 "" | grep -qx secretKey

bash_tab="source completions/shipctl.bash; COMP_WORDS=($bin get_integration_resource_field my-aws-keys-1 ''); COMP_CWORD=3; _shipctl"
hyperfine -N --warmup 50 --runs 1000 --export-json "$work/c.json" \
  '/bin/true' \
  "$bin get_integration_resource_field my-aws-keys-1 accessKey" \
  "$bin __complete bash 1 -- shipctl get_int" \
  "$bin __complete bash 2 -- shipctl get_integration_resource_field ''" \
  "$bin __complete bash 3 -- shipctl get_integration_resource_field my-aws-keys-1 ''" \
  "bash --norc --noprofile -c true" \
  "bash --norc --noprofile -c \"$bash_tab\"" >/dev/null 2>"$work/hyperfine.err" \
  || { cat "$work/hyperfine.err" >&2; exit 1; }
read -r t_true t_lookup t_cmds t_res t_fields t_bash t_tab < <(mean "$work/c.json")
echo "/bin/true:                                  $(ms "$t_true")"
echo "ordinary lookup (get_integration_resource_field): $(ms "$t_lookup")"
echo "__complete command names:                   $(ms "$t_cmds")"
echo "__complete resource names (41 resources):   $(ms "$t_res")"
echo "__complete field names:                     $(ms "$t_fields")"
echo "bash TAB, whole (minus bash start-up):      $(ms "$(python3 -c "print($t_tab - $t_bash)")")"
