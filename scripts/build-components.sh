#!/usr/bin/env bash
# Builds the local cluster's upstream components from Go modules into a cache keyed by version:
#   $KAIC_CACHE/bin/k8s-<ver>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $KAIC_CACHE/bin/etcd-<ver>/etcd
#   $KAIC_CACHE/bin/kwok-<ver>/{kwok,kwokctl}
# A warm run finds every binary and returns in well under a second.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../cluster/versions.env
source "$here/cluster/versions.env"
cache="${KAIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kaic}"
log_dir="$cache/build-logs"
mkdir -p "$log_dir"

die() { echo "build-components: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || die "Go toolchain not found on PATH (need Go >= 1.26 to build Kubernetes $KUBERNETES_VERSION)"

k8s_dir="$cache/bin/k8s-$KUBERNETES_VERSION"
etcd_dir="$cache/bin/etcd-$ETCD_VERSION"
kwok_dir="$cache/bin/kwok-$KWOK_VERSION"

have_all() { for f in "$@"; do [ -x "$f" ] || return 1; done; }

build_k8s() {
  local out="$k8s_dir" work="$cache/src/k8s-$KUBERNETES_VERSION" log="$log_dir/k8s-$KUBERNETES_VERSION.log"
  have_all "$out/kube-apiserver" "$out/kube-controller-manager" "$out/kube-scheduler" "$out/kubectl" && return 0
  echo "building Kubernetes $KUBERNETES_VERSION components (log: $log)"
  mkdir -p "$work" "$out.tmp"
  local staging="v0.${KUBERNETES_VERSION#v1.}"
  # k8s.io/kubernetes points its staging modules at ./staging; a wrapper module swaps in the
  # published copies (k8s.io/api@v0.37.x, ...) so `go build` can use the module proxy.
  {
    echo "module kaic.local/k8s-components"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" >/dev/null 2>>"$log" || die "could not download k8s.io/kubernetes@$KUBERNETES_VERSION (see $log)"
    local modfile; modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$KUBERNETES_VERSION.mod"
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" | awk -v v="$staging" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod"
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy -e >>"$log" 2>&1) || die "go mod tidy failed for the Kubernetes wrapper module (see $log)"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${staging#v0.} -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    echo "  go build $c"
    (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$out.tmp/$c" "k8s.io/kubernetes/cmd/$c" >>"$log" 2>&1) \
      || die "building $c failed (see $log)"
  done
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_etcd() {
  local out="$etcd_dir" work="$cache/src/etcd-$ETCD_VERSION" log="$log_dir/etcd-$ETCD_VERSION.log"
  have_all "$out/etcd" && return 0
  echo "building etcd $ETCD_VERSION (log: $log)"
  mkdir -p "$work" "$out.tmp"
  printf 'module kaic.local/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$work/tools.go"
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy -e >>"$log" 2>&1) || die "go mod tidy failed for etcd (see $log)"
  (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3 >>"$log" 2>&1) \
    || die "building etcd failed (see $log)"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_kwok() {
  local out="$kwok_dir" log="$log_dir/kwok-$KWOK_VERSION.log"
  have_all "$out/kwok" "$out/kwokctl" && return 0
  echo "building kwok $KWOK_VERSION (log: $log)"
  mkdir -p "$out.tmp"
  for c in kwok kwokctl; do
    echo "  go install $c"
    GOBIN="$out.tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" "sigs.k8s.io/kwok/cmd/$c@$KWOK_VERSION" >>"$log" 2>&1 \
      || die "building $c failed (see $log)"
  done
  rm -rf "$out"; mv "$out.tmp" "$out"
}

start=$(date +%s)
case "${1:-all}" in
  all) build_kwok; build_etcd; build_k8s ;;
  k8s) build_k8s ;; etcd) build_etcd ;; kwok) build_kwok ;;
  paths) ;;
  *) die "unknown target '$1' (all|k8s|etcd|kwok|paths)" ;;
esac
echo "KUBE_BIN=$k8s_dir"
echo "ETCD_BIN=$etcd_dir"
echo "KWOK_BIN=$kwok_dir"
echo "build-components: done in $(( $(date +%s) - start ))s" >&2
