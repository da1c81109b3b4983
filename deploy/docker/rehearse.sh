#!/usr/bin/env bash
# Rehearses the Dockerfile's build and final stages without Docker (there is no engine on these machines): the
# build context's TypeScript sources compiled with tsconfig.build.json, `npm prune --omit=dev`, the final image's
# /app layout (package.json, node_modules, dist, bin, cfn_process.py, infra), then the worker started from it the
# way the image's ENTRYPOINT does (node bin/infra-agent worker, no tsx, compiled workflows bundled at start) against
# a Temporal dev server on a free loopback port, until it polls; SIGTERM must drain it and exit 0.
#
#   bash deploy/docker/rehearse.sh      # ~3 min on 2 cores; uses the npm registry for npm ci
#
# What it cannot rehearse: the base images, apt, the tool builds, the user and the read-only root (docs/running.md).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/sandbox/lib.sh"
use_pinned_node
cache="${INFRA_AGENT_CACHE:-$HOME/.cache/infra-agent}"
work="$(mktemp -d "${TMPDIR:-/tmp}/infra-agent-rehearse.XXXXXX")"
temporal_pid=""
worker_pid=""
cleanup() {
  if [ -n "$worker_pid" ]; then kill -TERM "$worker_pid" 2>/dev/null || true; fi
  if [ -n "$temporal_pid" ]; then kill -TERM "$temporal_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

phase "build stage: npm ci, npm run build, npm prune --omit=dev"
mkdir -p "$work/build" "$work/app/adapters/cli" "$work/state"
# The same files the build stage COPYs from the context.
cp "$repo"/{package.json,package-lock.json,tsconfig.json,tsconfig.build.json} "$work/build/"
for d in activities adapters bot cli core presentation sandbox worker workflows; do cp -r "$repo/$d" "$work/build/"; done
(cd "$work/build" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent &&
  npm prune --omit=dev --no-audit --no-fund --loglevel=error &&
  find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 \
    ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} +)
phase_done

phase "final stage layout"
cp -r "$work/build/package.json" "$work/build/node_modules" "$work/build/dist" "$repo/bin" "$work/app/"
cp "$repo/adapters/cli/cfn_process.py" "$work/app/adapters/cli/"
cp -r "$repo/infra" "$work/app/"
[ ! -e "$work/app/node_modules/tsx" ] || { echo "tsx (a dev dependency) survived the prune" >&2; exit 1; }
du -sh "$work/app/node_modules" "$work/app/dist" | sed 's/^/  /'
phase_done

phase "the worker from the final layout, against a Temporal dev server"
port=$(free_port)
http_port=$(free_port)
"$cache/bin/temporal" server start-dev --headless --ip 127.0.0.1 --port "$port" --http-port "$http_port" \
  --db-filename "$work/state/temporal.db" >"$work/temporal.log" 2>&1 &
temporal_pid=$!
# The container's environment (docker-compose.yml), with planted secrets and this machine's paths for the image's.
env -i PATH="$PATH" HOME="$work/state" \
  INFRA_AGENT_CONFIG="$repo/deploy/compose/config.yaml" INFRA_AGENT_TEMPORAL_ADDRESS="127.0.0.1:$port" \
  INFRA_AGENT_INFRA_DIR="$work/app/infra" INFRA_AGENT_STATE_DIR="$work/state" INFRA_AGENT_CACHE="$work/state/cache" \
  INFRA_AGENT_BIN="$cache/bin" INFRA_AGENT_MFA_KEY="$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')" \
  SLACK_BOT_TOKEN=xoxb-rehearsal SLACK_APP_TOKEN=xapp-rehearsal SLACK_BOT_USER_ID=U0REHEARSE SLACK_BOT_ID=B0REHEARSE \
  node "$work/app/bin/infra-agent" worker >"$work/worker.log" 2>&1 &
worker_pid=$!
for _ in $(seq 1 180); do
  grep -qs "polling task queue" "$work/worker.log" && break
  kill -0 "$worker_pid" 2>/dev/null || { echo "the worker exited:" >&2; tail -20 "$work/worker.log" >&2; exit 1; }
  sleep 1
done
grep "polling task queue" "$work/worker.log" || { echo "the worker never polled:" >&2; tail -20 "$work/worker.log" >&2; exit 1; }
kill -TERM "$worker_pid"
status=0
wait "$worker_pid" || status=$?
worker_pid=""
[ "$status" = 0 ] || { echo "the worker exited $status on SIGTERM:" >&2; tail -20 "$work/worker.log" >&2; exit 1; }
echo "  SIGTERM: drained, exit 0"
phase_done
echo "rehearsal passed"
