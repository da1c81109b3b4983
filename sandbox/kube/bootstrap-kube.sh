#!/usr/bin/env bash
# Builds the sandbox's local Kubernetes control plane into the tool cache, from the Go module proxy only:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (k8s.io/kubernetes, wrapper module go/k8s)
#   etcd                                                              (go.etcd.io/etcd/server/v3, wrapper module go/etcd)
#   kwok                                                              (sigs.k8s.io/kwok/cmd/kwok, go install)
# Idempotent: a binary that already reports its pinned version is skipped. Prints each step and its duration.
#
#   bash sandbox/kube/bootstrap-kube.sh            # everything
#   bash sandbox/kube/bootstrap-kube.sh etcd kwok  # only these steps (kube, etcd, kwok)
#   bash sandbox/kube/bootstrap-kube.sh --check    # exit 0 when every pinned binary is present, build nothing
#
# Cold build on 2 cores: see README.md. The cache root is INFRA_AGENT_CACHE (default ~/.cache/infra-agent).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

CACHE="${INFRA_AGENT_CACHE:-$HOME/.cache/infra-agent}"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
export GOPATH="$CACHE/go"
export GOMODCACHE="$CACHE/go/pkg/mod"
export GOCACHE="$CACHE/go-build"
export GOFLAGS="-trimpath"
export CGO_ENABLED=0
# Builds run niced so the machine stays usable; KUBE_BUILD_NICE=0 to build at normal priority.
NICE="${KUBE_BUILD_NICE:-10}"
mkdir -p "$BIN" "$LOGS"

total_start=$(date +%s)
step() { # step NAME CHECK_FN INSTALL_FN
  local name=$1 check=$2 install=$3 t0
  t0=$(date +%s)
  if "$check" >/dev/null 2>&1; then
    printf '[bootstrap-kube] %-6s ok (pinned version present, skipped) 0s\n' "$name"
    return 0
  fi
  printf '[bootstrap-kube] %-6s building (log: %s)...\n' "$name" "$LOGS/kube-$name.log"
  if ! "$install" >"$LOGS/kube-$name.log" 2>&1; then
    printf '[bootstrap-kube] %-6s FAILED after %ss; last lines of %s:\n' "$name" "$(($(date +%s) - t0))" "$LOGS/kube-$name.log" >&2
    tail -n 25 "$LOGS/kube-$name.log" >&2
    return 1
  fi
  if ! "$check"; then
    printf '[bootstrap-kube] %-6s built but the version check still fails\n' "$name" >&2
    return 1
  fi
  printf '[bootstrap-kube] %-6s built in %ss\n' "$name" "$(($(date +%s) - t0))"
}

command -v go >/dev/null 2>&1 || { echo "[bootstrap-kube] 'go' is required but is not on PATH" >&2; exit 1; }

# The version of module $2 that binary $1 was built from (main module or dependency).
dep_version() { go version -m "$1" 2>/dev/null | awk -v m="$2" '($1=="mod"||$1=="dep") && $2==m {print $3; exit}'; }

# prints LINE_PATTERN CMD...: true when one line of CMD's output matches the glob LINE_PATTERN. The output is
# read in full first: `cmd | grep -q` under pipefail fails at random when grep exits early and cmd gets SIGPIPE.
prints() {
  local want=$1 out line
  shift
  out="$("$@" 2>&1)" || return 1
  while IFS= read -r line; do
    # shellcheck disable=SC2053 # $want is a glob on purpose
    [[ $line == $want ]] && return 0
  done <<<"$out"
  return 1
}

# Builds several packages of a wrapper module into a temp dir, then moves them into $BIN together.
build_into_bin() { # build_into_bin MODULE_DIR LDFLAGS PKG...
  local dir=$1 ldflags=$2 out
  shift 2
  out="$(mktemp -d "$CACHE/.kube-build.XXXXXX")"
  (cd "$dir" && nice -n "$NICE" go build -mod=readonly -ldflags "$ldflags" -o "$out/" "$@")
  for f in "$out"/*; do mv -f "$f" "$BIN/"; done
  rmdir "$out"
}

# --- kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ---------------------------------------
# kubectl comes along (little extra build time) so the product and tests have a client of the same minor version
# as the server; the machine's /usr/bin/kubectl may be 1.32 (outside the supported skew) or missing.
KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
check_kube() {
  local c
  for c in "${KUBE_CMDS[@]}"; do
    [ "$(dep_version "$BIN/$c" k8s.io/kubernetes)" = "v$KUBE_VERSION" ] || return 1
    if [ "$c" = kubectl ]; then
      prints "Client Version: v$KUBE_VERSION" "$BIN/kubectl" version --client || return 1
    else
      prints "Kubernetes v$KUBE_VERSION" "$BIN/$c" --version || return 1
    fi
  done
}
install_kube() {
  local major=${KUBE_VERSION%%.*} minor ld="-s -w" p
  minor=${KUBE_VERSION#*.}
  minor=${minor%%.*}
  # Without these the binaries report v0.0.0-master, which breaks helm and version-gated clients.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  grep -q "k8s.io/kubernetes v$KUBE_VERSION" "$here/go/k8s/go.mod" ||
    { echo "go/k8s/go.mod does not pin k8s.io/kubernetes v$KUBE_VERSION" >&2; return 1; }
  build_into_bin "$here/go/k8s" "$ld" "${KUBE_CMDS[@]/#/k8s.io/kubernetes/cmd/}"
}

# --- etcd 3.6 --------------------------------------------------------------------------------------------------
check_etcd() {
  [ "$(dep_version "$BIN/etcd" go.etcd.io/etcd/server/v3)" = "v$ETCD_VERSION" ] &&
    prints "etcd Version: $ETCD_VERSION" "$BIN/etcd" --version
}
install_etcd() {
  grep -q "go.etcd.io/etcd/server/v3 v$ETCD_VERSION" "$here/go/etcd/go.mod" ||
    { echo "go/etcd/go.mod does not pin go.etcd.io/etcd/server/v3 v$ETCD_VERSION" >&2; return 1; }
  build_into_bin "$here/go/etcd" "-s -w" .
}

# --- kwok (simulated nodes) ----------------------------------------------------------------------------------
check_kwok() {
  [ "$(dep_version "$BIN/kwok" sigs.k8s.io/kwok)" = "v$KWOK_VERSION" ] && prints "kwok version v$KWOK_VERSION *" "$BIN/kwok" --version
}
install_kwok() {
  GOBIN="$BIN" nice -n "$NICE" go install -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
}

all=(etcd kwok kube)
if [ "${1:-}" = --check ]; then
  for t in "${all[@]}"; do
    "check_$t" >/dev/null 2>&1 || { echo "[bootstrap-kube] $t: not built at the pinned version" >&2; exit 1; }
  done
  exit 0
fi
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${all[@]}")
for t in "${wanted[@]}"; do
  case " ${all[*]} " in *" $t "*) ;; *) echo "[bootstrap-kube] unknown step '$t'; known: ${all[*]}" >&2; exit 2 ;; esac
  step "$t" "check_$t" "install_$t"
done
echo "[bootstrap-kube] done in $(($(date +%s) - total_start))s; binaries in $BIN"
