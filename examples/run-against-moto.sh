#!/usr/bin/env bash
# Serves examples/aws-SERVICE.yaml against a local AWS (moto): starts moto (.ci/start-moto, installed into a
# virtualenv on first use), creates the example's queue, table, stream or state machine, and runs `tollgate serve`
# with the stage variables it needs. Ctrl-C stops the gateway; moto is stopped by its PID on the way out.
#
# Usage: examples/run-against-moto.sh sqs|dynamodb|kinesis|stepfunctions [tollgate serve options...]
# e.g.   examples/run-against-moto.sh dynamodb --port 8080
set -euo pipefail
cd "$(dirname "$0")/.."
service="${1:-}"
case "$service" in
  sqs | dynamodb | kinesis | stepfunctions) shift ;;
  *)
    echo "usage: examples/run-against-moto.sh sqs|dynamodb|kinesis|stepfunctions [tollgate serve options...]" >&2
    exit 64
    ;;
esac

echo "run-against-moto: building tollgate and the set-up tool" >&2
cargo build --quiet -p tollgate-server -p tollgate-aws --example setup-moto
target="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

started="$(.ci/start-moto 0)"
endpoint="$(sed -n 's/^endpoint=//p' <<<"$started")"
pid="$(sed -n 's/^pid=//p' <<<"$started")"
trap 'kill "$pid" 2>/dev/null || true' EXIT
echo "run-against-moto: moto at $endpoint (pid $pid)" >&2

# The standard AWS environment: the gateway reads nothing else (no profile, no instance metadata).
export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

variables=()
while IFS= read -r line; do
  variables+=(--stage-variable "$line")
done < <("$target/debug/examples/setup-moto" "$endpoint" "$service")
[ "${#variables[@]}" -gt 0 ] || { echo "run-against-moto: set-up failed" >&2; exit 1; }

api="examples/aws-$service.yaml"
echo "run-against-moto: try" >&2
sed -n 's/^#   \(curl .*\)$/  \1/p' "$api" >&2
"$target/debug/tollgate" serve "$api" "${variables[@]}" "$@"
