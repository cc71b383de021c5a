/**
 * A throw-away Redis for tests and benchmarks: Debian's redis-server on a free
 * loopback port, without persistence, started as a background process and
 * stopped by its pid.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as net from "net";

export interface LocalRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export function redisServerPath(): string | null {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** A port nobody listens on now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s: net.Socket = net.connect({ host: "127.0.0.1", port }, () => s.write("PING\r\n"));
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.once("data", (d: Buffer) => (s.destroy(), resolve(d.toString().startsWith("+PONG"))));
    s.once("error", () => resolve(false));
  });
}

export async function startLocalRedis(): Promise<LocalRedis> {
  const bin = redisServerPath();
  if (!bin) throw new Error("redis-server is not installed (Debian: apt-get install -y redis-server; .ci/run installs it)");
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      process.kill(child.pid!, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
