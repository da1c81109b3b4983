# shellcheck shell=bash
# Shared by start.sh, test.sh and with-node.sh: timed phases, the pinned Node.js and the idempotent npm install.
phase_start=0
phase() { phase_start=$(date +%s); printf '\n== %s\n' "$1"; }
phase_done() { printf '== done in %ss\n' "$(( $(date +%s) - phase_start ))"; }

# npm ci only when node_modules is missing or older than the lockfile.
ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    echo "node_modules up to date (skipped npm ci)"
  fi
}

# The pinned Node.js LTS (NODE_VERSION in sandbox/versions.env) first on PATH, installed by bootstrap.sh if missing.
# Everything after it runs on it: npm (its `#!/usr/bin/env node`), npx, tsx, jest, bin/infra-agent, and every child
# they spawn with process.execPath. Call it before ensure_node_modules, so npm ci also runs on it.
use_pinned_node() {
  local here cache dir
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  cache="${INFRA_AGENT_CACHE:-$HOME/.cache/infra-agent}"
  dir="$cache/node/$(sed -n 's/^NODE_VERSION=//p' "$here/versions.env")"
  if [ "$("$dir/bin/node" --version 2>/dev/null)" != "v${dir##*/}" ]; then
    bash "$here/bootstrap.sh" node >&2 || return 1
  fi
  case "$PATH" in "$dir/bin:"*) ;; *) export PATH="$dir/bin:$PATH" ;; esac
}
