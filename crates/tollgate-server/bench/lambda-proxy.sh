#!/usr/bin/env bash
# AWS_PROXY requests to a warm local function through `tollgate serve`, side by side in one run with
# serverless-offline on the same kind of function (docs/performance.md, "## Lambda proxy").
#
#   crates/tollgate-server/bench/lambda-proxy.sh [ROUNDS=3] [SECS=10] [LAT_SECS=5]
#
# Needs wrk, release builds of tollgate and of the Rust function
#   cargo build --release -p tollgate-server --bin tollgate --example lambda_function
# the shared bench harness (BENCH, default ../shared/bench beside the repository) with serverless-offline installed
# (BENCH/peers/serverless/install), and for the Node row aws-lambda-ric (tollgate-lambda-host's setup script,
# cached in ~/.cache/tollgate). Targets, each a fresh process per round, in round-robin:
#   tollgate-rust   tollgate serve + the Rust function on lambda_runtime (examples/lambda_function.rs)
#   tollgate-std    tollgate serve + xtask's std-only Runtime API client (the same 100-byte answer), if built
#   tollgate-node   tollgate serve + serverless-offline's own handler.js on aws-lambda-ric (the same function)
#   tollgate-node-lean    the same handler.js on Tollgate's own runtime client (`tollgate runtime node`)
#   tollgate-python-lean  bench/handler.py (the same answer) on `tollgate runtime python`
#   sls-default     serverless-offline 13.9 (Framework 3.40), default worker-thread runner, handler.js
#   sls-inprocess   the same with --useInProcess
# The server under test and its function processes are pinned to SUT_CPU (1), wrk to LOAD_CPU (0); BENCH/load
# measures (1 s warm-up, then SECS at 50 connections, LAT_SECS at 1). Every run is bounded by time; every process
# started here is stopped by its PID (the function processes die with tollgate, which kills their process groups),
# also when the script fails or is interrupted. The median table is printed and saved as $BENCH_RUN/lambda-proxy/table.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
bench=${BENCH:-$repo/../shared/bench}
rounds=${1:-3}; secs=${2:-10}; lat=${3:-5}
target=${CARGO_TARGET_DIR:-$repo/target}
tollgate=${TOLLGATE:-$target/release/tollgate}
function=${FUNCTION:-$target/release/examples/lambda_function}
# xtask's std-only Runtime API client (`cargo xtask load` builds it): the gateway's own ceiling, without a
# runtime client library's cost per invocation. Measured as tollgate-std when present.
std_function=${STD_FUNCTION:-$target/load-backend/release/load-function}
concurrency=${FUNCTION_CONCURRENCY:-10}
source "$bench/lib.sh"
out="$BENCH_RUN/lambda-proxy"; mkdir -p "$out"
port=${PORT:-18200}  # PORT= when another server already listens there
for bin in "$tollgate" "$function" wrk; do command -v "$bin" >/dev/null || { echo "missing: $bin" >&2; exit 2; }; done
ric=$("$repo/crates/tollgate-lambda-host/tests/functions/node/setup-aws-lambda-ric")
pid=""
trap 'stop_pid "$pid"' EXIT
trap 'exit 130' INT TERM

start_tollgate() { # FUNCTION_COMMAND
  taskset -c "$SUT_CPU" "$tollgate" serve "$repo/crates/tollgate-server/bench/lambda-proxy.yaml" --stage bench \
    --port "$port" --no-watch --log-level warn --function-concurrency "$concurrency" --function "bench=$1" \
    --usage-plans "$repo/xtask/load/bench-usage-plans.yaml" \
    >"$out/tollgate.log" 2>&1 &
  pid=$!; url="http://127.0.0.1:$port/bench/proxy?bench"
}
start_sls() { # EXTRA ARGS
  "$bench/peers/serverless/run" "$@" >"$out/sls.log" 2>&1 &
  pid=$!; url="http://127.0.0.1:3000/bench/proxy"
}
measure() { # NAME
  local started; started=$(now_ms)
  wait_200 "$url" 60
  echo "$1 startup_ms=$(( $(now_ms) - started ))" >>"$out/results"
  echo "$1 $("$bench/load" "$url" "$secs" 50)" | tee -a "$out/results"
  echo "$1 $("$bench/load" "$url" "$lat" 1)" | tee -a "$out/results"
  stop_pid "$pid"; pid=""
}

: >"$out/results"; : >"$out/load"
for round in $(seq "$rounds"); do
  echo "round $round ($(cut -d' ' -f1-3 /proc/loadavg) load average)" | tee -a "$out/load" >&2
  start_tollgate "'$function'"; measure tollgate-rust
  if [ -x "$std_function" ]; then start_tollgate "'$std_function'"; measure tollgate-std; fi
  start_tollgate "cd '$bench/peers/serverless' && exec '$ric' handler.proxy"; measure tollgate-node
  start_tollgate "cd '$bench/peers/serverless' && exec '$tollgate' runtime node handler.proxy"
  measure tollgate-node-lean
  start_tollgate "cd '$repo/crates/tollgate-server/bench' && exec '$tollgate' runtime python handler.proxy"
  measure tollgate-python-lean
  start_sls; measure sls-default
  start_sls --useInProcess; measure sls-inprocess
done

# Medians per target: req/s and p50/p99 at 50 connections, p50/p99 at 1 connection, startup.
python3 - "$out/results" <<'PY' | tee "$out/table.md"
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rest = line.split(" ", 1)
    fields = dict(re.findall(r"(\w+)=([^\s]+)", rest))
    row = rows.setdefault(name, {"c50": [], "c1": [], "startup": []})
    if "startup_ms" in fields:
        row["startup"].append(float(fields["startup_ms"]))
    elif fields.get("c") == "50":
        row["c50"].append(fields)
    else:
        row["c1"].append(fields)
med = lambda runs, key: statistics.median(float(r[key]) for r in runs)
base = {k: med(v["c50"], "rps") for k, v in rows.items()}
print("| target | req/s @50c (min–max) | p50 / p99 ms @50c | p50 / p99 ms @1c | req/s @1c | startup ms | non-2xx |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, row in rows.items():
    rps = [float(r["rps"]) for r in row["c50"]]
    bad = sum(int(r["non2xx"]) + int(r["sockerr"]) for r in row["c50"] + row["c1"])
    print(f"| {name} | {med(row['c50'], 'rps'):,.0f} ({min(rps):,.0f}–{max(rps):,.0f}) "
          f"| {med(row['c50'], 'p50_ms'):.3f} / {med(row['c50'], 'p99_ms'):.3f} "
          f"| {med(row['c1'], 'p50_ms'):.3f} / {med(row['c1'], 'p99_ms'):.3f} | {med(row['c1'], 'rps'):,.0f} "
          f"| {statistics.median(row['startup']):,.0f} | {bad} |")
for ours in ("tollgate-rust", "tollgate-std", "tollgate-node", "tollgate-node-lean", "tollgate-python-lean"):
    for peer in ("sls-default", "sls-inprocess"):
        if ours in base and peer in base:
            print(f"{ours} / {peer}: {base[ours] / base[peer]:.1f}x req/s at 50 connections")
PY
