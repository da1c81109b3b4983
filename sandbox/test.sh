#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, then typecheck, lint, and every test
# against a private sandbox of real servers (Temporal dev server, moto) that the test run starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
source sandbox/lib.sh
t0=$(date +%s)

phase "Node.js (pinned)"; use_pinned_node; echo "node $(node --version) at $(command -v node), npm $(npm --version)"; phase_done
phase "npm dependencies"; ensure_node_modules; phase_done
phase "pinned tools (sandbox/bootstrap.sh)"; bash sandbox/bootstrap.sh; phase_done
phase "typecheck"; npx tsc --noEmit -p .; phase_done
phase "lint"; npx eslint . && npx prettier --check "**/*.{ts,js,mjs,cjs,json}" --log-level warn; phase_done
phase "NIST compliance report is current"; node bin/infra-agent compliance report --check; phase_done
phase "tests"
status=0
npx jest --ci "$@" --json --outputFile=.jest-results.json || status=$?
phase_done
phase "suite:inputs (bounded)"; npx tsx suites/inputs.ts --bounded || status=1; phase_done
phase "suite:security (bounded)"; npx tsx suites/security.ts --bounded || status=1; phase_done
# The 9 named fault scenarios; the random-kill run (10 kills bounded: passed once here in 118 s) is in the full suite.
phase "suite:faults (bounded)"; FAULTS_KILLS=0 npx tsx suites/faults.ts --bounded || status=1; phase_done
node -e '
  const r = require("./.jest-results.json");
  console.log(`\njest: ${r.numTotalTestSuites} suites in ${Math.round((Date.now() - r.startTime) / 1000)}s`);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || true
echo "total $(( $(date +%s) - t0 ))s"
exit $status
