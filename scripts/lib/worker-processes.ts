/**
 * `npm run worker` processes for tests and benchmarks: started with tsx's
 * loader, their output collected line by line, stopped (or killed) by pid.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

export interface WorkerProcess {
  pid: number;
  lines: string[];
  /** Resolves with the first line matching, or rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

export async function startWorkerProcess(url: string, o: { concurrency?: number; lockMs?: number; stalledMs?: number; env?: Record<string, string>; echo?: boolean } = {}): Promise<WorkerProcess> {
  const args = ["--import", "tsx", path.join(ROOT, "scripts/worker.ts"), "--queue", url, "--concurrency", String(o.concurrency ?? 1)];
  if (o.lockMs) args.push("--lock-ms", String(o.lockMs));
  if (o.stalledMs) args.push("--stalled-ms", String(o.stalledMs));
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    if (o.echo) console.log(`  | ${line}`);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const proc: WorkerProcess = {
    pid: child.pid!,
    lines,
    exited,
    waitFor: (pattern, timeoutMs = 30_000) => {
      const hit = lines.find((l) => pattern.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${child.pid}: no line matching ${pattern} within ${timeoutMs / 1000} s; its output:\n${lines.join("\n")}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => reject(new Error(`worker ${child.pid} exited (${code}) before a line matching ${pattern}; its output:\n${lines.join("\n")}`)));
      });
    },
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await proc.waitFor(/serving redis/, 60_000);
  return proc;
}
