/**
 * Grids over plain data: the Cartesian product of named axes, and one copy of
 * a configuration per point with fields set by their dotted paths. Used by the
 * sweep runner (sweep.ts) and by experiment files' "grid" (schema/experiment-file.ts).
 */

/** The Cartesian product of named axes, the first axis outermost. */
export function grid<A extends Record<string, readonly unknown[]>>(axes: A): { [K in keyof A]: A[K][number] }[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [name, values] of Object.entries(axes)) {
    if (values.length === 0) throw new Error(`grid axis "${name}" has no values`);
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  return points as { [K in keyof A]: A[K][number] }[];
}

/** A deep copy of `base` with the field at a dotted path ("a.b.0.c") set to `value`. */
export function setPath<T>(base: T, dotted: string, value: unknown): T {
  const keys = dotted.split(".");
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  let o: Record<string, unknown> = copy;
  keys.slice(0, -1).forEach((k, i) => {
    if (o[k] === null || typeof o[k] !== "object") throw new Error(`grid axis "${dotted}": "${keys.slice(0, i + 1).join(".")}" is not an object in the base configuration`);
    o = o[k] as Record<string, unknown>;
  });
  o[keys[keys.length - 1]] = value;
  return copy as T;
}

/** One configuration per grid point over fields of `base`, with the point's coordinates. */
export function gridOver<T>(base: T, axes: Record<string, readonly unknown[]>): { coords: Record<string, unknown>; config: T }[] {
  return grid(axes).map((coords) => ({ coords, config: Object.entries(coords).reduce((c, [k, v]) => setPath(c, k, v), base) }));
}
