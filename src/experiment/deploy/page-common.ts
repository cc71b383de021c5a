/** What the deployment page's parts share (browser only): the state the tests read, and small helpers. */
export { probsOf } from "./probs";

export interface LatencyRow {
  model: "student" | "teacher";
  backend: string;
  msPerText: number | null;
  note?: string;
}

export interface PageState {
  ready: boolean;
  error: string | null;
  /** The page's answers to the manifest's fixed inputs, in its order. */
  fixed: { student: number[]; teacher: number[] | null; text?: string }[];
  latency: LatencyRow[];
  /** The last answer shown (e.g. to a drawing). */
  shown: { student: number[]; teacher: number[] | null } | null;
}

export const state: PageState = { ready: false, error: null, fixed: [], latency: [], shown: null };
(globalThis as unknown as { __deploy: PageState }).__deploy = state;

/** What a site kind gives the page: one call per model on input i of a sample (for timing), and its first answer. */
export interface Models {
  student: (i: number) => Promise<unknown>;
  teacher: ((i: number) => unknown) | null;
  /** Set when the teacher runs on its own runtime (not a tfjs backend). */
  teacherBackend?: string;
  unit: string;
  showFirst: () => Promise<void>;
}

export const $ = (id: string) => document.getElementById(id)!;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Horizontal bars, one per class, as inline SVG. */
export function bars(title: string, names: string[], probs: number[]): string {
  const best = probs.indexOf(Math.max(...probs));
  const rows = names
    .map((n, i) => `<text x="0" y="${18 + i * 20}" font-size="12">${n}</text><rect x="40" y="${6 + i * 20}" width="${(200 * probs[i]).toFixed(1)}" height="14" fill="${i === best ? "#4c78a8" : "#9ecae9"}"/><text x="${46 + 200 * probs[i]}" y="${18 + i * 20}" font-size="11">${probs[i].toFixed(3)}</text>`)
    .join("");
  return `<figure><figcaption>${title}: <b>${names[best]}</b></figcaption><svg width="300" height="${10 + names.length * 20}" role="img">${rows}</svg></figure>`;
}

/** Shows both answers side by side and keeps them in the state. */
export function showAnswers(names: string[], student: number[], teacher: number[] | null, teacherName: string): void {
  state.shown = { student, teacher };
  $("answers").innerHTML = bars("student", names, student) + (teacher ? bars(teacherName, names, teacher) : "");
}
