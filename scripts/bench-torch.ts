/**
 * The PyTorch reference of `npm run bench`: runs bench/torch_reference.py once
 * (Debian's python3-torch, CPU, all cores unless BENCH_TORCH_THREADS), passes
 * its lines through, then prints, for every tfjs line of a case it also
 * measured, {case, backend, ratioToPytorch = tfjs ms / PyTorch ms} — the
 * issue's floor is ≤ 2. Without PyTorch it prints one skipped line.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface BenchLine {
  case: string;
  backend?: string;
  msPerStep?: number;
  skipped?: string;
  [k: string]: unknown;
}

const PY = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/** Every JSON line the script printed (stderr passes through). */
export function runTorchReference(cases: string[]): Promise<BenchLine[]> {
  const script = path.join(__dirname, "..", "bench", "torch_reference.py");
  return new Promise((resolve, reject) => {
    const child = spawn(PY, [script], { env: { ...process.env, BENCH_CASES: cases.join(",") }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.on("error", (e) => resolve([{ case: "pytorch", skipped: `could not run ${PY}: ${e.message}` }]));
    child.on("exit", (code) => {
      const lines = out.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l) as BenchLine);
      if (code !== 0 && !lines.length) reject(new Error(`${PY} ${script} exited with code ${code}`));
      else resolve(lines);
    });
  });
}

/** Ratio lines: each measured tfjs line of a case PyTorch also measured, against PyTorch's time. */
export function ratioLines(tfjs: BenchLine[], torch: BenchLine[]): BenchLine[] {
  const ref = new Map(torch.filter((l) => typeof l.msPerStep === "number").map((l) => [l.case, l]));
  return tfjs
    .filter((l) => typeof l.msPerStep === "number" && ref.has(l.case))
    .map((l) => {
      const r = ref.get(l.case)!;
      const ratio = (l.msPerStep as number) / (r.msPerStep as number);
      return { case: `${l.case}-vs-pytorch`, backend: l.backend, msPerStep: l.msPerStep, pytorchMsPerStep: r.msPerStep, pytorchBackend: r.backend, ratioToPytorch: Number(ratio.toFixed(2)), within2x: ratio <= 2 };
    });
}
