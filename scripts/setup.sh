#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine (idempotent; a warm run takes seconds):
#  - Debian's chromium, for the HTML tests (headless)
#  - for the local cluster's real node (as root): Debian's runc, CNI plugins (bridge, host-local,
#    portmap, loopback), iptables and conntrack for kube-proxy, iproute2, and a static busybox for the probe image
#  - openssl, for the serving certificates of local add-ons' webhooks (Kueue)
#  - npm dependencies, and the TypeScript build (npm ci runs `prepare`)
#  - the local cluster's components, built from Go modules into ~/.cache/kaic (see cluster/versions.env)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
for pkg in runc containernetworking-plugins iptables conntrack iproute2 busybox-static openssl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed' || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need_apt[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install: ${need_apt[*]} (Debian packages)" >&2
  fi
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<10)) { console.error("setup: Node >= 20.10 required, found "+process.version); process.exit(1) }'
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm run build --silent
fi
if [ "${KAIC_SKIP_CLUSTER_BUILD:-}" != 1 ]; then
  bash scripts/build-components.sh all >/dev/null
fi
