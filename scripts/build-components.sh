#!/usr/bin/env bash
# Builds the local cluster's upstream components from Go modules into a cache keyed by version:
#   $KAIC_CACHE/bin/k8s-<ver>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $KAIC_CACHE/bin/etcd-<ver>/etcd
#   $KAIC_CACHE/bin/kwok-<ver>/{kwok,kwokctl}
# and the real node's (docs/decisions/0006-real-node.md):
#   $KAIC_CACHE/bin/k8s-<ver>/{kubelet,kube-proxy,agnhost}
#   $KAIC_CACHE/bin/containerd-<ver>/{containerd,containerd-shim-runc-v2,ctr}
#   $KAIC_CACHE/bin/coredns-<ver>/coredns
#   $KAIC_CACHE/bin/dra-example-driver-<ver>/dra-example-kubeletplugin
#   $KAIC_CACHE/bin/prometheus-<ver>/prometheus   (Kubernetes service discovery only: Debian's build has none)
#   $KAIC_CACHE/bin/prometheus-adapter-<ver>/adapter
#   $KAIC_CACHE/bin/traefik-<ver>/traefik         (the Gateway API implementation)
#   $KAIC_CACHE/bin/traefik-<ver>-weights-ignored/traefik   (its twin: one line changed, HTTPRoute weights ignored)
#   $KAIC_CACHE/bin/gateway-api-<ver>/crds/*.yaml   (the Gateway API's standard-channel CRDs)
#   $KAIC_CACHE/bin/kueue-<ver>/{kueue,crds/*.yaml,webhooks.yaml}   (Kueue's manager, its CRDs and webhook configurations)
#   $KAIC_CACHE/bin/jobset-<ver>/{jobset,crds/*.yaml,webhooks.yaml}  (JobSet's manager, likewise)
#   $KAIC_CACHE/bin/trainer-<ver>/{trainer,crds/*.yaml,webhooks.yaml}  (Kubeflow Trainer's manager, likewise)
#   $KAIC_CACHE/bin/karpenter-<ver>/{karpenter,crds/*.yaml}   (Karpenter with its kwok cloud provider, and its CRDs)
#   $KAIC_CACHE/bin/dranet-<ver>/dranet   (DRANET: host network interfaces as DRA devices, moved into pods by NRI)
#   $KAIC_CACHE/bin/kaic-node-<source hash>/{kaic-device-plugin,kaic-gpu-exporter,pause}   (localcluster/device-plugin, gpu-exporter, pause)
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
containerd_dir="$cache/bin/containerd-$CONTAINERD_VERSION"
coredns_dir="$cache/bin/coredns-$COREDNS_VERSION"
dra_dir="$cache/bin/dra-example-driver-$DRA_EXAMPLE_DRIVER_VERSION"
prometheus_dir="$cache/bin/prometheus-$PROMETHEUS_VERSION"
adapter_dir="$cache/bin/prometheus-adapter-$PROMETHEUS_ADAPTER_VERSION"
traefik_dir="$cache/bin/traefik-$TRAEFIK_VERSION"
traefik_twin_dir="$cache/bin/traefik-$TRAEFIK_VERSION-weights-ignored"
gateway_api_dir="$cache/bin/gateway-api-$GATEWAY_API_VERSION"
kueue_dir="$cache/bin/kueue-$KUEUE_VERSION"
jobset_dir="$cache/bin/jobset-$JOBSET_VERSION"
karpenter_dir="$cache/bin/karpenter-$KARPENTER_VERSION"
trainer_dir="$cache/bin/trainer-$TRAINER_VERSION"
dranet_dir="$cache/bin/dranet-$DRANET_VERSION"
# kaic's own node programs are versioned by their source.
node_src_hash="$(cd "$here/localcluster" && cat device-plugin/go.mod device-plugin/go.sum device-plugin/*.go gpu-exporter/go.mod gpu-exporter/*.go pause/go.mod pause/*.go | sha256sum | cut -c1-12)"
kaic_node_dir="$cache/bin/kaic-node-$node_src_hash"
k8s_components=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy agnhost)
# Low priority: the machine is shared, and the build must not starve a running cluster.
GO_BIN="$(command -v go)"
go() { nice -n 10 "$GO_BIN" "$@"; }

have_all() { for f in "$@"; do [ -x "$f" ] || return 1; done; }

k8s_pkg() { case "$1" in agnhost) echo k8s.io/kubernetes/test/images/agnhost ;; *) echo "k8s.io/kubernetes/cmd/$1" ;; esac; }

build_k8s() {
  local out="$k8s_dir" work="$cache/src/k8s-$KUBERNETES_VERSION" log="$log_dir/k8s-$KUBERNETES_VERSION.log"
  local missing=() c
  for c in "${k8s_components[@]}"; do [ -x "$out/$c" ] || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "building Kubernetes $KUBERNETES_VERSION: ${missing[*]} (log: $log)"
  mkdir -p "$work" "$out"
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
    local modfile; modfile="$(command go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$KUBERNETES_VERSION.mod"
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" | awk -v v="$staging" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod.new"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for c in "${k8s_components[@]}"; do printf '\t_ "%s"\n' "$(k8s_pkg "$c")"; done
    printf ')\n'
  } > "$work/tools.go"
  # Keep the tidied go.mod (and with it the build cache) unless the pinned version changed.
  if ! grep -qE "^\s*(require )?k8s\.io/kubernetes $KUBERNETES_VERSION\$" "$work/go.mod" 2>/dev/null; then mv "$work/go.mod.new" "$work/go.mod"; else rm "$work/go.mod.new"; fi
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy -e >>"$log" 2>&1) || die "go mod tidy failed for the Kubernetes wrapper module (see $log)"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${staging#v0.} -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  for c in "${missing[@]}"; do
    echo "  go build $c"
    local extra=""
    if [ "$c" = agnhost ]; then
      local have; have="$(cat "$(command go env GOMODCACHE)/k8s.io/kubernetes@$KUBERNETES_VERSION/test/images/agnhost/VERSION")"
      [ "$have" = "$AGNHOST_VERSION" ] || die "cluster/versions.env pins AGNHOST_VERSION=$AGNHOST_VERSION but Kubernetes $KUBERNETES_VERSION has agnhost $have"
      extra="-X main.Version=$AGNHOST_VERSION"
    fi
    (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "$ld $extra" -o "$out/$c.tmp" "$(k8s_pkg "$c")" >>"$log" 2>&1) \
      || die "building $c failed (see $log)"
    mv "$out/$c.tmp" "$out/$c"
  done
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

# containerd v2 from its Go module: Debian 12's containerd 1.6 has no CDI, which DRA needs.
build_containerd() {
  local out="$containerd_dir" log="$log_dir/containerd-$CONTAINERD_VERSION.log"
  have_all "$out/containerd" "$out/containerd-shim-runc-v2" "$out/ctr" && return 0
  echo "building containerd $CONTAINERD_VERSION (log: $log)"
  mkdir -p "$out.tmp"
  local m=github.com/containerd/containerd/v2
  GOBIN="$out.tmp" CGO_ENABLED=0 go install -trimpath -tags "no_btrfs no_devmapper no_zfs no_aufs" \
    -ldflags "-s -w -X $m/version.Version=$CONTAINERD_VERSION -X $m/version.Package=$m" \
    "$m/cmd/containerd@$CONTAINERD_VERSION" "$m/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" "$m/cmd/ctr@$CONTAINERD_VERSION" >>"$log" 2>&1 \
    || die "building containerd failed (see $log)"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# CoreDNS with only the plugins a cluster DNS needs: the full plugin set pulls every cloud SDK.
build_coredns() {
  local out="$coredns_dir" work="$cache/src/coredns-$COREDNS_VERSION" log="$log_dir/coredns-$COREDNS_VERSION.log"
  have_all "$out/coredns" && return 0
  echo "building CoreDNS $COREDNS_VERSION (log: $log)"
  mkdir -p "$work" "$out.tmp"
  printf 'module kaic.local/coredns\n\ngo 1.26.0\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS_VERSION" > "$work/go.mod"
  local plugins=(errors log health ready kubernetes loadbalance cache loop reload bind forward)
  {
    printf '// CoreDNS %s with the plugins of a Kubernetes cluster DNS, in upstream order.\npackage main\n\nimport (\n' "$COREDNS_VERSION"
    printf '\t"github.com/coredns/coredns/core/dnsserver"\n\t"github.com/coredns/coredns/coremain"\n'
    for p in "${plugins[@]}"; do printf '\t_ "github.com/coredns/coredns/plugin/%s"\n' "$p"; done
    printf ')\n\nfunc init() {\n\tkeep := map[string]bool{'
    for p in "${plugins[@]}"; do printf '"%s": true, ' "$p"; done
    printf '}\n\tvar d []string\n\tfor _, n := range dnsserver.Directives {\n\t\tif keep[n] {\n\t\t\td = append(d, n)\n\t\t}\n\t}\n\tdnsserver.Directives = d\n}\n\nfunc main() { coremain.Run() }\n'
  } > "$work/main.go"
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy -e >>"$log" 2>&1) || die "go mod tidy failed for CoreDNS (see $log)"
  (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" -o "$out.tmp/coredns" . >>"$log" 2>&1) \
    || die "building CoreDNS failed (see $log)"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_dra_driver() {
  local out="$dra_dir" work="$cache/src/dra-example-driver-$DRA_EXAMPLE_DRIVER_VERSION" log="$log_dir/dra-example-driver-$DRA_EXAMPLE_DRIVER_VERSION.log"
  have_all "$out/dra-example-kubeletplugin" && return 0
  echo "building dra-example-driver $DRA_EXAMPLE_DRIVER_VERSION (log: $log)"
  mkdir -p "$work" "$out.tmp"
  # A wrapper module rather than `go install pkg@version`: that also asks the proxy for the module's
  # version list, which the proxy refuses for this module.
  printf 'module kaic.local/dra-example-driver\n\ngo 1.26.0\n\nrequire sigs.k8s.io/dra-example-driver %s\n' "$DRA_EXAMPLE_DRIVER_VERSION" > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/dra-example-driver/cmd/dra-example-kubeletplugin"\n' > "$work/tools.go"
  # No `go mod tidy`: it would resolve the latest version of modules only other build tags import.
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out.tmp/dra-example-kubeletplugin" sigs.k8s.io/dra-example-driver/cmd/dra-example-kubeletplugin >>"$log" 2>&1) \
    || die "building the DRA example driver failed (see $log)"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# A program from a Go module at a version, through a wrapper module (`go get` resolves its
# requirements): build_go_tool NAME VERSION OUT_DIR BINARY PACKAGE [BUILD_TAGS]
build_go_tool() {
  local name="$1" ver="$2" out="$3" bin="$4" pkg="$5" tags="${6:-}"
  local work="$cache/src/$name-$ver" log="$log_dir/$name-$ver.log"
  have_all "$out/$bin" && return 0
  echo "building $name $ver (log: $log)"
  mkdir -p "$work" "$out.tmp"
  printf 'module kaic.local/%s\n\ngo 1.26.0\n' "$name" > "$work/go.mod"
  (cd "$work" && go get "$pkg@$ver" >>"$log" 2>&1) || die "could not resolve $name $ver (see $log)"
  (cd "$work" && CGO_ENABLED=0 go build -trimpath ${tags:+-tags "$tags"} -ldflags "-s -w" -o "$out.tmp/$bin" "$pkg" >>"$log" 2>&1) \
    || die "building $name failed (see $log)"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# Prometheus with Kubernetes service discovery only (upstream's build tags); the web UI's assets are
# not in the module, and the API is all kaic uses.
build_prometheus() { build_go_tool prometheus "$PROMETHEUS_VERSION" "$prometheus_dir" prometheus github.com/prometheus/prometheus/cmd/prometheus remove_all_sd,enable_kubernetes_sd; }
build_adapter() { build_go_tool prometheus-adapter "$PROMETHEUS_ADAPTER_VERSION" "$adapter_dir" adapter sigs.k8s.io/prometheus-adapter/cmd/adapter; }

# Traefik, through a wrapper module that repeats its go.mod's replace directives (`go install
# pkg@version` refuses a module that has any).
build_traefik() {
  local out="$traefik_dir" work="$cache/src/traefik-$TRAEFIK_VERSION" log="$log_dir/traefik-$TRAEFIK_VERSION.log"
  have_all "$out/traefik" && return 0
  echo "building Traefik $TRAEFIK_VERSION (log: $log)"
  mkdir -p "$work" "$out.tmp"
  go mod download -json "github.com/traefik/traefik/v3@$TRAEFIK_VERSION" >/dev/null 2>>"$log" || die "could not download Traefik $TRAEFIK_VERSION (see $log)"
  local modfile; modfile="$(command go env GOMODCACHE)/cache/download/github.com/traefik/traefik/v3/@v/$TRAEFIK_VERSION.mod"
  {
    printf 'module kaic.local/traefik\n\ngo 1.26.0\n\n'
    sed -n '/^replace (/,/^)/p' "$modfile"
  } > "$work/go.mod"
  (cd "$work" && go get "github.com/traefik/traefik/v3/cmd/traefik@$TRAEFIK_VERSION" >>"$log" 2>&1) || die "could not resolve Traefik $TRAEFIK_VERSION (see $log)"
  (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" -o "$out.tmp/traefik" github.com/traefik/traefik/v3/cmd/traefik >>"$log" 2>&1) \
    || die "building Traefik failed (see $log)"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# The twin of Traefik for ai_inference: the same source with one line changed, so that every
# backendRef of a route gets weight 1 (an implementation that ignores HTTPRoute weights). Shares the
# wrapper's go.sum and Go build cache, so only the Gateway provider and the link are rebuilt.
build_traefik_twin() {
  local out="$traefik_twin_dir" work="$cache/src/traefik-twin-$TRAEFIK_VERSION" log="$log_dir/traefik-twin-$TRAEFIK_VERSION.log"
  have_all "$out/traefik" && return 0
  build_traefik
  echo "building Traefik $TRAEFIK_VERSION with HTTPRoute weights ignored, a sabotaged twin (log: $log)"
  local src; src="$(command go env GOMODCACHE)/github.com/traefik/traefik/v3@$TRAEFIK_VERSION"
  rm -rf "$work"; mkdir -p "$work" "$out.tmp"
  cp -r "$src" "$work/traefik"; chmod -R u+w "$work/traefik"
  local f="$work/traefik/pkg/provider/kubernetes/gateway/httproute.go"
  sed -i 's|weight := ptr.To(int(ptr.Deref(backendRef.Weight, 1)))|weight := ptr.To(1) // kaic twin: HTTPRoute weights ignored|' "$f"
  grep -q 'kaic twin: HTTPRoute weights ignored' "$f" || die "the Traefik twin's patch did not apply to $f (Traefik $TRAEFIK_VERSION changed that line)"
  sed -e "s|^module kaic.local/traefik\$|module kaic.local/traefik-twin|" "$cache/src/traefik-$TRAEFIK_VERSION/go.mod" > "$work/go.mod"
  printf '\nreplace github.com/traefik/traefik/v3 => ./traefik\n' >> "$work/go.mod"
  cp "$cache/src/traefik-$TRAEFIK_VERSION/go.sum" "$work/go.sum"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION-weights-ignored" -o "$out.tmp/traefik" github.com/traefik/traefik/v3/cmd/traefik >>"$log" 2>&1) \
    || die "building the Traefik twin failed (see $log)"
  rm -rf "$work/traefik"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# The Gateway API's standard-channel CRDs, as its module ships them.
build_gateway_api() {
  local out="$gateway_api_dir" log="$log_dir/gateway-api-$GATEWAY_API_VERSION.log"
  [ -s "$out/crds/gateway.networking.k8s.io_httproutes.yaml" ] && return 0
  echo "fetching the Gateway API $GATEWAY_API_VERSION CRDs (log: $log)"
  local dir; dir="$(go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" 2>>"$log" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir/config/crd/standard" ] || die "the Gateway API module $GATEWAY_API_VERSION has no config/crd/standard (see $log)"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp/crds"
  cp "$dir"/config/crd/standard/*.yaml "$out.tmp/crds/"
  chmod -R u+w "$out.tmp"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# A controller manager (controllers and webhooks in one binary) from its module, with the CRDs and
# webhook configurations the module ships; localcluster/addons.ts points the webhooks at the manager
# on this host: build_manager NAME VERSION OUT_DIR MODULE PACKAGE CRD_DIR WEBHOOKS_FILE
build_manager() {
  local name="$1" ver="$2" out="$3" mod="$4" pkg="$5" crds="$6" webhooks="$7" log="$log_dir/$1-$2.log"
  have_all "$out/$name" && [ -s "$out/webhooks.yaml" ] && return 0
  build_go_tool "$name" "$ver" "$out.bin" "$name" "$pkg"
  local dir; dir="$(go mod download -json "$mod@$ver" 2>>"$log" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir/$crds" ] && [ -s "$dir/$webhooks" ] || die "the $name module $ver has no $crds or $webhooks (see $log)"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp/crds"
  cp "$dir/$crds"/*.yaml "$out.tmp/crds/"
  rm -f "$out.tmp/crds/kustomization.yaml"
  cp "$dir/$webhooks" "$out.tmp/webhooks.yaml"
  cp "$out.bin/$name" "$out.tmp/$name"
  chmod -R u+w "$out.tmp"
  rm -rf "$out" "$out.bin"; mv "$out.tmp" "$out"
}
build_kueue() { build_manager kueue "$KUEUE_VERSION" "$kueue_dir" sigs.k8s.io/kueue sigs.k8s.io/kueue/cmd/kueue config/components/crd/bases config/components/webhook/manifests.yaml; }
build_jobset() { build_manager jobset "$JOBSET_VERSION" "$jobset_dir" sigs.k8s.io/jobset sigs.k8s.io/jobset config/components/crd/bases config/components/webhook/manifests.yaml; }
# Kubeflow Trainer (v2): its manager, the TrainJob and runtime CRDs and its webhooks. It runs its
# TrainJobs as JobSets, so it needs the JobSet add-on.
build_trainer() { build_manager trainer "$TRAINER_VERSION" "$trainer_dir" github.com/kubeflow/trainer/v2 github.com/kubeflow/trainer/v2/cmd/trainer-controller-manager manifests/base/crds manifests/base/webhook/manifests.yaml; }

# Karpenter's core with its kwok cloud provider (the module's kwok/ program: nodes it launches are kwok
# nodes, instance types come from a file), and the CRDs it needs: NodePools, NodeClaims, NodeOverlays,
# CapacityBuffers and the provider's KWOKNodeClass. It has no webhooks.
build_karpenter() {
  local out="$karpenter_dir" log="$log_dir/karpenter-$KARPENTER_VERSION.log"
  have_all "$out/karpenter" && [ -s "$out/crds/karpenter.sh_nodepools.yaml" ] && return 0
  build_go_tool karpenter "$KARPENTER_VERSION" "$out.bin" karpenter sigs.k8s.io/karpenter/kwok
  local dir; dir="$(go mod download -json "sigs.k8s.io/karpenter@$KARPENTER_VERSION" 2>>"$log" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [ -s "$dir/kwok/charts/crds/karpenter.sh_nodepools.yaml" ] && [ -d "$dir/kwok/apis/crds" ] || die "the Karpenter module $KARPENTER_VERSION has no kwok/charts/crds or kwok/apis/crds (see $log)"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp/crds"
  cp "$dir"/kwok/charts/crds/*.yaml "$dir"/kwok/apis/crds/*.yaml "$out.tmp/crds/"
  cp "$out.bin/karpenter" "$out.tmp/karpenter"
  chmod -R u+w "$out.tmp"
  rm -rf "$out" "$out.bin"; mv "$out.tmp" "$out"
}

# kaic's device plugin and the pause program, from this repository.
# DRANET (github.com/google/dranet; the sigs.k8s.io path is refused by the module proxy), for
# high_performance_networking.
build_dranet() { build_go_tool dranet "$DRANET_VERSION" "$dranet_dir" dranet github.com/google/dranet/cmd/dranet; }

build_kaic_node() {
  local out="$kaic_node_dir" log="$log_dir/kaic-node.log"
  have_all "$out/kaic-device-plugin" "$out/kaic-gpu-exporter" "$out/pause" && return 0
  echo "building kaic-device-plugin, kaic-gpu-exporter and pause (log: $log)"
  mkdir -p "$out.tmp"
  (cd "$here/localcluster/device-plugin" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out.tmp/kaic-device-plugin" . >>"$log" 2>&1) \
    || die "building kaic-device-plugin failed (see $log)"
  (cd "$here/localcluster/gpu-exporter" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp/kaic-gpu-exporter" . >>"$log" 2>&1) \
    || die "building kaic-gpu-exporter failed (see $log)"
  (cd "$here/localcluster/pause" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp/pause" . >>"$log" 2>&1) \
    || die "building pause failed (see $log)"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

start=$(date +%s)
case "${1:-all}" in
  all) build_kwok; build_etcd; build_k8s; build_kaic_node; build_containerd; build_coredns; build_dra_driver; build_prometheus; build_adapter; build_gateway_api; build_traefik; build_traefik_twin; build_kueue; build_jobset; build_trainer; build_karpenter; build_dranet ;;
  k8s) build_k8s ;; etcd) build_etcd ;; kwok) build_kwok ;;
  containerd) build_containerd ;; coredns) build_coredns ;; dra-driver) build_dra_driver ;; prometheus) build_prometheus ;; prometheus-adapter) build_adapter ;; traefik) build_traefik; build_traefik_twin ;; gateway-api) build_gateway_api ;; kueue) build_kueue ;; jobset) build_jobset ;; trainer) build_trainer ;; karpenter) build_karpenter ;; dranet) build_dranet ;; kaic-node) build_kaic_node ;;
  paths) ;;
  *) die "unknown target '$1' (all|k8s|etcd|kwok|containerd|coredns|dra-driver|prometheus|prometheus-adapter|traefik|gateway-api|kueue|jobset|trainer|karpenter|dranet|kaic-node|paths)" ;;
esac
echo "KUBE_BIN=$k8s_dir"
echo "ETCD_BIN=$etcd_dir"
echo "KWOK_BIN=$kwok_dir"
echo "CONTAINERD_BIN=$containerd_dir"
echo "COREDNS_BIN=$coredns_dir"
echo "DRA_DRIVER_BIN=$dra_dir"
echo "KAIC_NODE_BIN=$kaic_node_dir"
echo "build-components: done in $(( $(date +%s) - start ))s" >&2
