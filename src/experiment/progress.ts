/** One-line progress messages with elapsed time, for notebooks and terminals alike. */
export class Progress {
  private readonly t0 = performance.now();

  constructor(private readonly label: string, private readonly total?: number) {}

  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  log(message: string, done?: number): void {
    const count = done !== undefined && this.total !== undefined ? ` ${done}/${this.total}` : "";
    console.log(`[${this.label}${count} ${this.elapsed().toFixed(1)}s] ${message}`);
  }
}
