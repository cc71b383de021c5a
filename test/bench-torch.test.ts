/** The bench's PyTorch comparison: ratio lines only for cases both measured, tfjs time over PyTorch's. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ratioLines } from "../scripts/bench-torch";

test("ratioLines: one line per measured tfjs line of a case PyTorch measured; skipped lines and unmatched cases give none", () => {
  const tfjs = [
    { case: "a-x", backend: "wasm", msPerStep: 30 },
    { case: "a-x", backend: "cpu", msPerStep: 300 },
    { case: "g-y", backend: "wasm", skipped: "no" },
    { case: "b-z", backend: "wasm", msPerStep: 5 },
  ];
  const torch = [{ case: "a-x", backend: "pytorch-cpu-2threads", msPerStep: 20 }, { case: "g-y", backend: "pytorch-cpu-2threads", msPerStep: 10 }];
  const r = ratioLines(tfjs, torch);
  assert.equal(r.map((l) => [l.case, l.backend, l.ratioToPytorch, l.within2x]), [["a-x-vs-pytorch", "wasm", 1.5, true], ["a-x-vs-pytorch", "cpu", 15, false]]);
  assert.equal(ratioLines(tfjs, [{ case: "pytorch", skipped: "not installed" }]), []);
});

test.run();
