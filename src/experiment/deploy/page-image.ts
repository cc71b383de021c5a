/**
 * The image half of the deployment page (browser only): test images to click
 * through and a canvas to draw on, read exactly as in training — each cell of
 * the width × height grid becomes the ink coverage of its block × rawMax (for
 * the UCI digits: the count of set pixels in a 4×4 block of a 32×32 bitmap,
 * 0–16), then the training scaler.
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageManifest } from "./manifest";
import { $, Models, probsOf, showAnswers, state } from "./page-common";

const CELL = 24; // drawing canvas pixels per image cell

function rawOf(x: number[], m: ImageManifest): number[] {
  return x.map((v, j) => v * m.image.scaler.scale[j] + m.image.scaler.offset[j]);
}

function scaled(raw: number[], m: ImageManifest): number[] {
  return raw.map((v, j) => (v - m.image.scaler.offset[j]) / m.image.scaler.scale[j]);
}

/** Paints an image (model input) on a small canvas, ink dark. */
function thumbnail(x: number[], m: ImageManifest, px = 6): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = m.image.width * px;
  c.height = m.image.height * px;
  const g = c.getContext("2d")!;
  rawOf(x, m).forEach((v, j) => {
    const level = Math.round(255 * (1 - Math.min(1, Math.max(0, v / m.image.rawMax))));
    g.fillStyle = `rgb(${level},${level},${level})`;
    g.fillRect((j % m.image.width) * px, Math.floor(j / m.image.width) * px, px, px);
  });
  return c;
}

/** The drawing as model input: ink coverage per cell × rawMax, then the scaler. */
export function readDrawing(canvas: HTMLCanvasElement, m: ImageManifest): number[] {
  const { width, height } = m.image;
  const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
  const raw: number[] = [];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      let ink = 0;
      for (let y = r * CELL; y < (r + 1) * CELL; y++) for (let x = c * CELL; x < (c + 1) * CELL; x++) ink += data[(y * canvas.width + x) * 4 + 3] / 255;
      raw.push((ink / (CELL * CELL)) * m.image.rawMax);
    }
  }
  return scaled(raw, m);
}

export async function setupImage(m: ImageManifest): Promise<Models> {
  const inputDim = m.image.width * m.image.height;
  const student = await tf.loadLayersModel("student/model.json");
  const teacher = m.teacher ? await tf.loadLayersModel("teacher/model.json") : null;
  for (const [who, model] of [["student", student], ["teacher", teacher]] as const) {
    const got = model?.inputs[0].shape[1];
    if (model && got !== inputDim) throw new Error(`the ${who} takes ${got} inputs but the site's images are ${m.image.width}×${m.image.height} = ${inputDim}: rebuild the site`);
  }
  const answer = async (x: number[]) => {
    const [s] = await probsOf(student, x, 1);
    const t = teacher ? (await probsOf(teacher, x, 1))[0] : null;
    showAnswers(m.classNames, s, t, "teacher");
  };
  const xs = m.fixed.map((f) => f.x);
  const sp = await probsOf(student, xs.flat(), xs.length);
  const tp = teacher ? await probsOf(teacher, xs.flat(), xs.length) : null;
  state.fixed = xs.map((_, i) => ({ student: sp[i], teacher: tp ? tp[i] : null }));

  $("image-input").hidden = false;
  const grid = $("examples");
  m.fixed.forEach((f, i) => {
    const t = thumbnail(f.x, m);
    t.title = `test image ${i} (label ${m.classNames[f.label]})`;
    t.className = "example";
    t.addEventListener("click", () => void answer(f.x));
    grid.appendChild(t);
  });
  const canvas = $("draw") as HTMLCanvasElement;
  canvas.width = m.image.width * CELL;
  canvas.height = m.image.height * CELL;
  const g = canvas.getContext("2d")!;
  g.lineWidth = CELL * 1.2;
  g.lineCap = "round";
  g.strokeStyle = "rgba(0,0,0,1)";
  let down = false;
  const at = (e: PointerEvent) => [e.offsetX, e.offsetY] as const;
  canvas.addEventListener("pointerdown", (e) => {
    down = true;
    g.beginPath();
    g.moveTo(...at(e));
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!down) return;
    g.lineTo(...at(e));
    g.stroke();
  });
  canvas.addEventListener("pointerup", () => {
    down = false;
    void answer(readDrawing(canvas, m));
  });
  $("clear").addEventListener("click", () => g.clearRect(0, 0, canvas.width, canvas.height));
  return {
    student: (i) => probsOf(student, xs[i % xs.length], 1),
    teacher: teacher ? (i) => probsOf(teacher, xs[i % xs.length], 1) : null,
    unit: "image",
    showFirst: () => answer(xs[0]),
  };
}
