/**
 * Moves the typed arrays of a plain-data value into SharedArrayBuffers, so
 * that worker threads given the value (as workerData) all read the same
 * memory instead of a copy each. Objects and arrays are walked; everything
 * else is kept as it is (and is copied to each thread as usual).
 */
type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type TypedArrayCtor = new (buffer: SharedArrayBuffer, byteOffset?: number, length?: number) => AnyTypedArray;

export interface SharedValue<S> {
  value: S;
  /** Bytes now in shared memory. */
  sharedBytes: number;
}

export function toSharedMemory<S>(value: S): SharedValue<S> {
  let sharedBytes = 0;
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as AnyTypedArray;
      if (a.buffer instanceof SharedArrayBuffer) return a;
      const Ctor = a.constructor as TypedArrayCtor;
      const copy = new Ctor(new SharedArrayBuffer(a.byteLength), 0, a.length);
      (copy as Float32Array).set(a as Float32Array);
      sharedBytes += a.byteLength;
      return copy;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return { value: walk(value) as S, sharedBytes };
}
