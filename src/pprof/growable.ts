/** Typed arrays that grow by doubling while a decoder or builder appends to them. */
type TypedArrayCtor<T> = {new (length: number): T}

export class Growable<T extends Float64Array | Uint32Array | Int32Array | Uint8Array> {
  array: T
  length = 0
  readonly #ctor: TypedArrayCtor<T>

  constructor(ctor: TypedArrayCtor<T>, capacity = 1024) {
    this.#ctor = ctor
    this.array = new ctor(capacity)
  }

  push(v: number): void {
    if (this.length === this.array.length) this.grow(this.length + 1)
    this.array[this.length++] = v
  }

  grow(min: number): void {
    let n = Math.max(16, this.array.length * 2)
    while (n < min) n *= 2
    const next = new this.#ctor(n)
    next.set(this.array as never)
    this.array = next
  }

  /** The filled part: a view, not a copy (copying a 1M-sample profile's arrays costs more than the slack). */
  done(): T {
    return this.array.subarray(0, this.length) as T
  }
}
