# shellcheck shell=bash
# Shared by start.sh and test.sh: timed phases and the idempotent npm install.
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

export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
