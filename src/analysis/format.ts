/** Number formatting for readings and logs: one definition of each, so every notebook words numbers alike. */

/** A fraction as a percentage: pct(0.8123) = "81.2 %". */
export const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)} %`;

/** A difference of fractions as signed percentage points, with a real minus sign: "+1.2 pts", "−0.4 pts". */
export const pts = (x: number, digits = 1): string => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(digits)} pts`;

/** Mean ± standard deviation of fractions, in percent: "86.1 ± 1.2 %". */
export const meanSd = (mean: number, std: number, digits = 1): string => `${(100 * mean).toFixed(digits)} ± ${(100 * std).toFixed(digits)} %`;

/** A t statistic to two decimals, or "n/a" when there is none. */
export const tValue = (t: number | null): string => (t === null ? "n/a" : t.toFixed(2));
