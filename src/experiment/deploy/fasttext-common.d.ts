/** fasttext.wasm.js's browser entry (its package "exports" map is not read by this project's module resolution). */
declare module "fasttext.wasm.js/common" {
  export function getLIDModel(options?: { wasmPath?: string; modelPath?: string }): Promise<{ load(): Promise<unknown> }>;
}
