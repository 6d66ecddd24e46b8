/**
 * In-isolate: removes globals that would escape the isolate's limits. Serialised: self-contained.
 *
 * WebAssembly: `WebAssembly.Memory` lives outside the heap that isolated-vm's `memoryLimit`
 * accounts for. Measured with isolated-vm 6.2 on Node 24: a 64 MB function grew and filled 1 GB of
 * wasm memory, all of it host RSS, while its heap statistics reported 3 MB. Until that is bounded,
 * functions get no WebAssembly.
 */
export function installHardening(g: Record<string, unknown>): void {
  delete g.WebAssembly;
}
