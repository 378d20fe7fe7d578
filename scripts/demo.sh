#!/usr/bin/env bash
# The demo: a local simulated GPU cluster (the real control plane built from source, kwok nodes),
# a full `kaic run` against it, and the report. The cluster keeps running (npm run cluster:down).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
corpus="${KAIC_CORPUS:-../shared/corpus}"
out="out/demo"
mkdir -p "$out"
kaic() { node bin/kaic.js "$@"; }
checklists=(--checklist "$corpus/checklists")

echo "== local cluster (Kubernetes built from source, kwok nodes with simulated GPUs, one real node)"
node --import tsx scripts/cluster.ts up
echo
echo "== kaic run: every v1.35 requirement against it"
set +e
kaic run --version v1.35 --kubeconfig .kaic/kubeconfig --config cluster/demo-run.yaml "${checklists[@]}" -o "$out/run"
code=$?
set -e
case $code in
  0|1|3) ;;  # pass, a check failed, or some requirements could not be proven: all are results
  *) echo "kaic run failed (exit $code)"; exit "$code" ;;
esac
echo
echo "== the checks that need running containers, on the real node (DRA example driver, kaic's device plugin and GPU exporter, Prometheus and its adapter, Traefik behind the Gateway API)"
set +e
kaic run --version v1.37 --kubeconfig .kaic/kubeconfig --only secure_accelerator_access,gpu_sharing,driver_runtime_management,virtualized_accelerator,accelerator_metrics,ai_service_metrics,pod_autoscaling,ai_inference,high_performance_networking,workload_sandboxing --accelerator example "${checklists[@]}" -o "$out/real-node"
code=$?
set -e
case $code in
  0|1|3) ;;
  *) echo "kaic run failed (exit $code)"; exit "$code" ;;
esac
echo
echo "== the MUSTs that need add-ons, on a kwok cluster of their own: Kueue (gangs), Kubeflow Trainer and JobSet (operators), Karpenter with its kwok provider (cluster autoscaling)"
node --import tsx scripts/cluster.ts up --name kaic-addons --real-nodes 0 --with kueue,trainer,karpenter
set +e
kaic run --version v1.37 --kubeconfig .kaic/kubeconfig-kaic-addons --only gang_scheduling,cluster_autoscaling,robust_controller --set gang.window=10s --set autoscaler.stableWindow=15s "${checklists[@]}" -o "$out/add-ons"
code=$?
set -e
node --import tsx scripts/cluster.ts down --name kaic-addons
case $code in
  0|1|3) ;;
  *) echo "kaic run failed (exit $code)"; exit "$code" ;;
esac
echo
echo "== the pre-filled PRODUCT.yaml, checked as a reviewer would"
kaic validate "$out/run/PRODUCT.yaml" --offline "${checklists[@]}" --quiet || true
echo
echo "report: $(pwd)/$out/run/report.html (artifacts in $out/run: e2e.log, results.json, junit.xml, evidence/, PRODUCT.yaml; the real-node run in $out/real-node, the add-ons' in $out/add-ons)"
