#!/usr/bin/env bash
# Gateway MOCK vs a bare hyper server, same machine, same run (docs/performance.md, ## Server).
#
#   crates/tollgate-server/bench/compare.sh [ROUNDS=3] [SECS=10] [CONNS=50]
#
# Needs wrk (apt-get install -y wrk), a release build of tollgate (cargo build --release -p tollgate-server)
# and the shared bare-hyper backend built at $BACKEND (default: the shared bench's backend-rs build).
# The server under test is pinned to CPU 1, wrk to CPU 0 (2-core machine). Both servers answer the same
# 100-byte JSON body. Every run is bounded by time; every server is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/../../.."
rounds=${1:-3}; secs=${2:-10}; conns=${3:-50}
target=${CARGO_TARGET_DIR:-target}
tollgate=${TOLLGATE:-$target/release/tollgate}
backend=${BACKEND:-/tmp/bench-target/release/bench-backend}
gw_port=18100; be_port=18180
for bin in "$tollgate" "$backend" wrk; do command -v "$bin" >/dev/null || { echo "missing: $bin" >&2; exit 2; }; done

wait_port() { for _ in $(seq 500); do curl -s -o /dev/null "http://127.0.0.1:$1$2" && return 0; sleep 0.01; done; return 1; }
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
load() { taskset -c 0 wrk -t1 -c"$conns" -d"${secs}s" "$1" | awk '/Requests\/sec/ {print int($2)}'; }

for round in $(seq "$rounds"); do
  taskset -c 1 "$backend" "$be_port" 1 2>/dev/null & be=$!
  wait_port "$be_port" /; hyper=$(load "http://127.0.0.1:$be_port/"); stop "$be"
  taskset -c 1 "$tollgate" serve crates/tollgate-server/bench/mock.yaml --port "$gw_port" >/dev/null 2>&1 & gw=$!
  wait_port "$gw_port" /dev/mock; mock=$(load "http://127.0.0.1:$gw_port/dev/mock"); stop "$gw"
  awk -v r="$round" -v h="$hyper" -v m="$mock" \
    'BEGIN { printf "round %d: bare hyper %d req/s, tollgate MOCK %d req/s, ratio %.1f%%\n", r, h, m, 100 * m / h }'
done
