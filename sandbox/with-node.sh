#!/usr/bin/env bash
# Runs a command on the pinned Node.js LTS (NODE_VERSION in sandbox/versions.env; installed by bootstrap.sh if
# missing): the package.json scripts for the sandbox, doctor, suites, benches and evals go through it.
#
#   bash sandbox/with-node.sh tsx bench/validate.ts
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_pinned_node
exec "$@"
