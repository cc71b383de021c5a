#!/usr/bin/env bash
# Benchmarks every TensorFlow.js backend this machine has, for a GPU machine
# (runs anywhere: without a GPU it says so and benchmarks the CPU backends).
#
#   bash scripts/gpu-bench.sh                 # npm ci, then the full bench
#   bash scripts/gpu-bench.sh --no-install    # use node_modules as they are
#   bash scripts/gpu-bench.sh --quick         # BENCH_QUICK=1 (~30 s per backend)
#
# Steps: npm ci (tfjs-node-gpu installs where CUDA 11.2 + cuDNN 8.1 and
# storage.googleapis.com are reachable; webgpu ships Dawn prebuilt), print the
# GPU and driver (nvidia-smi, vulkaninfo), find which backends load, run
# `npm run bench` on them, print a table of ms/step per case and backend.
# Backends: tensorflow (tfjs-node-gpu / tfjs-node, if it loads), wasm, cpu,
# webgpu through Dawn's Vulkan backend (WEBGPU_DAWN=opengles|auto to change;
# on a machine without a GPU Vulkan has no adapter and webgpu is skipped).
# Env passed through: BENCH_CASES, BENCH_WORKERS, DISTILL_WORKERS.
# Output: the JSON lines and the table under $GPU_BENCH_OUT (default reports/gpu-bench/<date>/, git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
INSTALL=1
for arg in "$@"; do
  case "$arg" in
    --no-install) INSTALL=0 ;;
    --quick) export BENCH_QUICK=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-bench.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
WEBGPU_DAWN="${WEBGPU_DAWN:-vulkan}"
OUT="${GPU_BENCH_OUT:-$ROOT/reports/gpu-bench/$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

section() { printf '\n== %s ==\n' "$*"; }

section "install"
if [ "$INSTALL" -eq 1 ]; then
  npm ci --no-audit --no-fund 2>&1 | tail -n 20
else
  echo "skipped (--no-install)"
fi

section "machine"
echo "node $(node --version), $(nproc) cores, $(uname -sr)"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/GPU: /'
  nvidia-smi | grep -m1 -o 'CUDA Version: [0-9.]*' || true
else
  echo "GPU: none found (nvidia-smi missing or failing) — benchmarking the CPU backends"
fi
if command -v vulkaninfo >/dev/null 2>&1; then
  vulkaninfo --summary 2>/dev/null | grep -E 'deviceName|driverName|apiVersion' | head -n 6 || true
else
  echo "vulkaninfo: not installed (Debian/Ubuntu: vulkan-tools)"
fi
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && echo "libvulkan.so.1: present" || echo "libvulkan.so.1: missing (Dawn cannot use Vulkan; Debian/Ubuntu: libvulkan1)"

section "backends"
BACKENDS=()
probe() { # probe LABEL ENV... : can initBackend start it?
  local label="$1"; shift
  if env "$@" node --import tsx -e 'require("./src/backend").initBackend({log:false}).then((c)=>{console.log(c.summary);process.exit(0)},(e)=>{console.log(String(e.message).split("\n")[0]);process.exit(1)})' >"$OUT/probe-$label.txt" 2>/dev/null; then
    BACKENDS+=("$label"); printf '%-11s yes  %s\n' "$label" "$(tail -n1 "$OUT/probe-$label.txt")"
  else
    printf '%-11s no   %s\n' "$label" "$(tail -n1 "$OUT/probe-$label.txt" 2>/dev/null)"
  fi
}
probe tensorflow DISTILL_BACKEND=tensorflow
probe wasm DISTILL_BACKEND=wasm
probe cpu DISTILL_BACKEND=cpu
probe webgpu DISTILL_BACKEND=webgpu DISTILL_WEBGPU_BACKEND="$WEBGPU_DAWN"
if [ "${#BACKENDS[@]}" -eq 0 ]; then echo "no backend starts" >&2; exit 1; fi

section "bench (${BACKENDS[*]})"
LIST="$(IFS=,; echo "${BACKENDS[*]}")"
BENCH_BACKENDS="$LIST" DISTILL_WEBGPU_BACKEND="$WEBGPU_DAWN" npm run --silent bench >"$OUT/bench.jsonl" 2> >(tee "$OUT/bench.log" >&2)

section "ms per step (median; sweep rows: whole sweep in ms)"
node - "$OUT/bench.jsonl" <<'EOF' | tee "$OUT/table.md"
const fs = require("fs");
const rows = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
const label = (r) => (r.backend === "wasm" && !r.wasmFast ? "wasm-nofast" : r.backend);
const backends = [...new Set(rows.map(label))];
const cases = [...new Set(rows.map((r) => r.case))];
const cell = new Map(rows.map((r) => [`${r.case}|${label(r)}`, r]));
const fmt = (r) => (!r ? "—" : r.skipped ? "skipped" : r.msPerStep >= 100 ? r.msPerStep.toFixed(0) : r.msPerStep.toFixed(2));
console.log(`| case | ${backends.join(" | ")} |`);
console.log(`|---|${backends.map(() => "---:").join("|")}|`);
for (const c of cases) console.log(`| ${c} | ${backends.map((b) => fmt(cell.get(`${c}|${b}`))).join(" | ")} |`);
const sweeps = rows.filter((r) => r.case === "sweep-parallel" && !r.skipped);
if (sweeps.length) console.log("");
for (const r of sweeps) console.log(`sweep on ${label(r)}: ${r.workers} workers, ${r.speedup}× wall-clock (${r.cpuSpeedup}× by CPU time), results identical to serial: ${r.identical}, load ${r.loadAvg1m} on ${r.cores} cores`);
for (const r of rows.filter((r) => r.skipped)) console.log(`${label(r)} ${r.case}: skipped — ${r.skipped}`);
EOF
echo
echo "results: $OUT"
