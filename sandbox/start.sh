#!/usr/bin/env bash
# The README's run command (`npm start`): installs what is missing, starts the local sandbox (Temporal +
# AWS endpoint) and a worker, then opens the terminal front end. Leaving the chat stops the worker; the
# sandbox keeps running (npm run sandbox -- down stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
source sandbox/lib.sh

phase "Node.js (pinned)"; use_pinned_node; echo "node $(node --version) at $(command -v node), npm $(npm --version)"; phase_done
phase "npm dependencies"; ensure_node_modules; phase_done
phase "pinned tools (sandbox/bootstrap.sh)"; bash sandbox/bootstrap.sh; phase_done
phase "sandbox up"; npx tsx sandbox/cli.ts up; phase_done

state="${INFRA_AGENT_STATE_DIR:-$HOME/.local/state/infra-agent}"
mkdir -p "$state"
phase "worker"
# Rollouts resolve tags to digests against the sandbox's registry (config/sandbox.yaml: environments.*.artifacts).
export INFRA_AGENT_REGISTRY_URL="${INFRA_AGENT_REGISTRY_URL:-http://127.0.0.1:${INFRA_AGENT_REGISTRY_PORT:-5000}}"
# The sandbox's PostgreSQL, used when INFRA_AGENT_STORE=postgres (config/sandbox.yaml `store`); trust auth, no password.
export INFRA_AGENT_DATABASE_URL="${INFRA_AGENT_DATABASE_URL:-postgres://infra@127.0.0.1:${INFRA_AGENT_POSTGRES_PORT:-15432}/infra_agent}"
node bin/infra-agent worker >"$state/worker.log" 2>&1 &
worker=$!
trap 'kill -TERM $worker 2>/dev/null; wait $worker 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  grep -q "polling task queue" "$state/worker.log" 2>/dev/null && break
  kill -0 $worker 2>/dev/null || { echo "worker exited:"; tail -20 "$state/worker.log"; exit 1; }
  sleep 0.5
done
echo "worker pid $worker, log $state/worker.log"
phase_done

# The sandbox config's people: alice (platform engineer) requests, bob/carol approve from another terminal.
export INFRA_AGENT_USER="${INFRA_AGENT_USER:-alice}"
if [ -t 0 ]; then
  echo "you are '$INFRA_AGENT_USER' (INFRA_AGENT_USER); approve from another terminal: node bin/infra-agent --as bob approve <op>"
  node bin/infra-agent chat "$@"
else
  echo "no terminal on stdin: the sandbox and worker are up; try: node bin/infra-agent --as alice whoami dev"
  node bin/infra-agent --as "${INFRA_AGENT_USER:-alice}" whoami dev
fi
