#!/usr/bin/env bash
# The demo: a local simulated GPU cluster (real control plane, kwok nodes), smoke-checked, then what
# a vendor does with kaic on real submissions. The cluster keeps running afterwards (npm run cluster:down).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
corpus="${KAIC_CORPUS:-../shared/corpus}"
out="out/demo"
mkdir -p "$out"
kaic() { node bin/kaic.js "$@"; }
checklists=(--checklist "$corpus/checklists")

echo "== local cluster (Kubernetes built from source, kwok nodes with simulated GPUs)"
node --import tsx scripts/cluster.ts up
node --import tsx scripts/demo-smoke.ts | tee "$out/cluster-smoke.txt"
echo
echo "== the standard: what changed from v1.36 to v1.37"
kaic spec diff v1.36 v1.37 "${checklists[@]}"
echo
echo "== a fresh v1.37 template, then the same validation a reviewer runs"
kaic init --version v1.37 -o "$out/v1.37/acme/PRODUCT.yaml" --force "${checklists[@]}"
kaic validate "$out/v1.37/acme/PRODUCT.yaml" --offline "${checklists[@]}" --quiet | head -5 || true
echo
echo "== a real submission: findings, report"
sub="$corpus/submissions/v1.35/aks/PRODUCT.yaml"
kaic validate "$sub" --offline "${checklists[@]}" || true
kaic report "$sub" --format html -o "$out/report.html" "${checklists[@]}"
kaic report "$sub" --format md -o "$out/report.md" "${checklists[@]}"
kaic checklist --version v1.37 --format html -o "$out/checklist-v1.37.html" "${checklists[@]}"
echo
echo "report: $(pwd)/$out/report.html (and report.md, checklist-v1.37.html, cluster-smoke.txt)"
