export function mutate(base: Uint8Array, i: number): Uint8Array
