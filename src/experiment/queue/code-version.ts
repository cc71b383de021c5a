/**
 * What code a trial runs with: the commit of the checkout, plus a hash of any
 * uncommitted change to the code (src/, scripts/, package.json and
 * package-lock.json, untracked files included), e.g. "3f9c2d1…" or
 * "3f9c2d1…+a41b9e0c7d12". A queue worker refuses a job made at another
 * version. DISTILL_CODE_VERSION overrides it (a checkout without git).
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

const CODE_PATHS = ["src", "scripts", "package.json", "package-lock.json"];
const cache = new Map<string, string>();

export function codeVersion(root: string): string {
  const forced = (process.env.DISTILL_CODE_VERSION ?? "").trim();
  if (forced) return forced;
  const hit = cache.get(root);
  if (hit) return hit;
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "buffer", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
  let commit: string;
  try {
    commit = git("rev-parse", "HEAD").toString("utf8").trim();
  } catch {
    throw new Error(`cannot tell the code version of ${root}: it is not a git checkout (set DISTILL_CODE_VERSION to the same value on the coordinator and every worker)`);
  }
  const hash = createHash("sha256");
  const diff = git("diff", "HEAD", "--binary", "--", ...CODE_PATHS);
  hash.update(diff);
  const untracked = git("ls-files", "--others", "--exclude-standard", "-z", "--", ...CODE_PATHS).toString("utf8").split("\0").filter(Boolean).sort();
  for (const f of untracked) {
    hash.update(`\0${f}\0`);
    hash.update(fs.readFileSync(path.join(root, f)));
  }
  const version = diff.length === 0 && untracked.length === 0 ? commit : `${commit}+${hash.digest("hex").slice(0, 12)}`;
  cache.set(root, version);
  return version;
}

/** "commit 3f9c2d1 (clean)" / "commit 3f9c2d1 with uncommitted changes a41b9e0c7d12". */
export function describeVersion(v: string): string {
  const [commit, dirty] = v.split("+");
  return `commit ${commit.slice(0, 10)}${dirty ? ` with uncommitted changes ${dirty}` : " (clean)"}`;
}
