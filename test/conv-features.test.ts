import * as assert from "uvu/assert";
import { test } from "uvu";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend";
import { buildConvNet } from "../src/models/conv";
import { layersFeatureModel } from "../src/models/probe";
import { buildHintTerm } from "../src/distill/features";

test.before(async () => {
  await initBackend();
});

test("28×28 conv net exposes its feature maps; a conv1x1 hint from a smaller conv student trains the student, not the teacher", () => {
  const teacher = layersFeatureModel(buildConvNet({ side: 28, filters: [4, 8], dense: 8, numClasses: 10, seed: 1 }), ["conv1", "pool1", "conv2", "pool2"]);
  const student = layersFeatureModel(buildConvNet({ side: 28, filters: [2, 3], dense: 4, numClasses: 10, seed: 2 }), ["pool2"]);
  const x = tf.randomUniform([6, 784], 0, 1, "float32", 5) as tf.Tensor2D;
  const shapes = tf.tidy(() => {
    const o = teacher.forward(x);
    return Object.fromEntries(Object.entries(o.features).map(([k, v]) => [k, v.shape]));
  });
  assert.equal(shapes, { conv1: [6, 28, 28, 4], pool1: [6, 14, 14, 4], conv2: [6, 14, 14, 8], pool2: [6, 7, 7, 8] });
  const tOut = teacher.forward(x);
  const tMap = tf.keep(tOut.features.pool2);
  const hint = buildHintTerm({ student: "pool2", teacher: "pool2", adapter: "conv1x1" }, [6, 7, 7, 3], [6, 7, 7, 8], 0);
  const vars = [...student.variables, ...hint.adapter!.variables];
  const teacherBefore = teacher.variables.map((v) => Array.from(v.dataSync()));
  const lossOf = () => tf.tidy(() => hint.compute(student.forward(x, true).features.pool2, tMap).dataSync()[0]);
  const before = lossOf();
  const opt = tf.train.adam(0.01);
  for (let step = 0; step < 30; step++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => hint.compute(student.forward(x, true).features.pool2, tMap), vars);
      opt.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      value.dispose();
    });
  }
  const afterFirst = tf.memory().numTensors;
  tf.tidy(() => opt.applyGradients(tf.variableGrads(() => hint.compute(student.forward(x, true).features.pool2, tMap), vars).grads as Record<string, tf.Variable>));
  assert.is(tf.memory().numTensors, afterFirst, "no tensors leak per step");
  const after = lossOf();
  assert.ok(after < 0.5 * before, `hint loss ${before} → ${after}`);
  teacher.variables.forEach((v, i) => assert.equal(Array.from(v.dataSync()), teacherBefore[i], `teacher variable ${v.name} unchanged`));
  // Wrong pairing without an adapter is refused with both shapes.
  assert.throws(() => buildHintTerm({ student: "pool2", teacher: "pool2" }, [6, 7, 7, 3], [6, 7, 7, 8], 0), /\[6, 7, 7, 3\].*\[6, 7, 7, 8\]/);
  tf.dispose([tMap, tOut.logits, ...Object.values(tOut.features), x]);
  opt.dispose();
  hint.adapter!.dispose();
  teacher.dispose();
  student.dispose();
});

test.run();
