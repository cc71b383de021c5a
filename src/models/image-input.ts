/**
 * What an image classifier needs to be served outside its notebook, kept in
 * its model.json (userDefinedMetadata.imageInput): the image's size, how a
 * raw pixel maps to the model's input (raw grey level in [0, rawMax], then
 * the training scaler x' = (x − offset) / scale), class names, and a few test
 * images (already scaled) with their labels to click through.
 */
import * as tf from "@tensorflow/tfjs";

export interface ImageInput {
  width: number;
  height: number;
  /** Raw grey levels run from 0 (background) to rawMax (ink), e.g. 16 for the UCI digits. */
  rawMax: number;
  scaler: { offset: number[]; scale: number[] };
  classNames: string[];
  examples: { x: number[]; label: number }[];
}

const KEY = "imageInput";

/** Checks an ImageInput against a model's input and output sizes; the error names what differs. */
export function checkImageInput(meta: ImageInput, inputDim: number, classes: number, where: string): void {
  const problems: string[] = [];
  if (meta.width * meta.height !== inputDim) problems.push(`the preprocessing is ${meta.width}×${meta.height} = ${meta.width * meta.height} pixels but the model takes ${inputDim} inputs`);
  if (meta.scaler.offset.length !== inputDim || meta.scaler.scale.length !== inputDim) problems.push(`the scaler has ${meta.scaler.offset.length} offsets and ${meta.scaler.scale.length} scales for ${inputDim} inputs`);
  if (meta.classNames.length !== classes) problems.push(`${meta.classNames.length} class names for ${classes} outputs`);
  meta.examples.forEach((e, i) => {
    if (e.x.length !== inputDim) problems.push(`example ${i} has ${e.x.length} values, not ${inputDim}`);
  });
  if (problems.length) throw new Error(`${where}: ${problems.join("; ")}`);
}

function sizes(model: tf.LayersModel): { inputDim: number; classes: number } {
  const inShape = model.inputs[0].shape;
  return { inputDim: inShape[inShape.length - 1] as number, classes: model.outputs[0].shape[1] as number };
}

export function setImageInput(model: tf.LayersModel, meta: ImageInput): void {
  const { inputDim, classes } = sizes(model);
  checkImageInput(meta, inputDim, classes, `model "${model.name}"`);
  model.setUserDefinedMetadata({ ...(model.getUserDefinedMetadata() ?? {}), [KEY]: meta });
}

/** The model's ImageInput, or null when it has none. */
export function imageInputOf(model: tf.LayersModel): ImageInput | null {
  const meta = (model.getUserDefinedMetadata() as { [KEY]?: ImageInput } | undefined)?.[KEY];
  if (!meta) return null;
  const { inputDim, classes } = sizes(model);
  checkImageInput(meta, inputDim, classes, `model "${model.name}"`);
  return meta;
}

/** Raw grey levels (0..rawMax, row-major) → the model's input, as in training. */
export function scaleImage(raw: ArrayLike<number>, meta: ImageInput): number[] {
  return Array.from(raw, (v, j) => (v - meta.scaler.offset[j]) / meta.scaler.scale[j]);
}
