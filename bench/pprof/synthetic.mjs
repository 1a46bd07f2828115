// Synthetic pprof profiles with wide, deep stacks (bench/pprof and the tests): `functions`
// functions, each sample a random 8–32-deep stack over them, two sample types (samples/count,
// cpu/nanoseconds), a seeded PRNG so a size always gives the same file. Written with a protobuf
// writer of its own, so the decoder under test never checks its own encoder's output.
// Every 7th location holds an inlined call (two lines), and stacks repeat a frame now and then
// (recursion), as real Go profiles do.
import {gzipSync} from 'node:zlib'

import {seededRandom as prng} from '../../dist/bench/random.js' // mulberry32: the same seed gives the same profile

class W {
  constructor(size = 64) {
    this.buf = Buffer.alloc(size)
    this.pos = 0
  }
  ensure(n) {
    if (this.pos + n > this.buf.length) {
      const b = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n))
      this.buf.copy(b, 0, 0, this.pos)
      this.buf = b
    }
  }
  varint(v) {
    this.ensure(10)
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.pos++] = v
  }
  bytes(field, b) {
    this.varint((field << 3) | 2)
    this.varint(b.length)
    this.ensure(b.length)
    b.copy(this.buf, this.pos)
    this.pos += b.length
  }
  field(field, v) {
    this.varint(field << 3)
    this.varint(v)
  }
  sub(field, fill) {
    const w = new W()
    fill(w)
    this.bytes(field, w.buf.subarray(0, w.pos))
  }
}

/** Gzipped profile.proto bytes. */
export function syntheticProfile({samples = 100_000, functions = 5_000, minDepth = 8, maxDepth = 32, seed = 1} = {}) {
  const rnd = prng(seed)
  const strings = ['', 'samples', 'count', 'cpu', 'nanoseconds']
  const w = new W(1 << 20)
  w.sub(1, (v) => (v.field(1, 1), v.field(2, 2)))
  w.sub(1, (v) => (v.field(1, 3), v.field(2, 4)))
  const stack = []
  for (let s = 0; s < samples; s++) {
    const depth = minDepth + Math.floor(rnd() * (maxDepth - minDepth + 1))
    stack.length = 0
    for (let d = 0; d < depth; d++) {
      // Roughly 1 frame in 16 repeats one already on the stack (recursion).
      stack.push(d > 0 && rnd() < 1 / 16 ? stack[Math.floor(rnd() * d)] : 1 + Math.floor(Math.pow(rnd(), 2) * functions))
    }
    const count = 1 + Math.floor(rnd() * 3)
    w.sub(2, (v) => {
      v.sub(1, (x) => stack.forEach((id) => x.varint(id)))
      v.sub(2, (x) => (x.varint(count), x.varint(count * 10_000_000)))
    })
  }
  // One location per function (id = function id); every 7th also inlines the next function.
  for (let f = 1; f <= functions; f++) {
    w.sub(4, (v) => {
      v.field(1, f)
      v.field(3, 0x400000 + f * 16)
      if (f % 7 === 0 && f < functions) v.sub(4, (l) => (l.field(1, f + 1), l.field(2, 7)))
      v.sub(4, (l) => (l.field(1, f), l.field(2, 10 + (f % 90))))
    })
  }
  for (let f = 1; f <= functions; f++) {
    const name = strings.length
    strings.push(`pkg${f % 37}.(*Type${f % 101}).Method${f}`)
    const file = strings.length
    strings.push(`/src/pkg${f % 37}/file${f % 13}.go`)
    w.sub(5, (v) => (v.field(1, f), v.field(2, name), v.field(3, name), v.field(4, file), v.field(5, 5)))
  }
  for (const s of strings) w.bytes(6, Buffer.from(s))
  w.sub(11, (v) => (v.field(1, 3), v.field(2, 4)))
  w.field(12, 10_000_000)
  w.field(10, 10_000_000_000)
  return gzipSync(w.buf.subarray(0, w.pos))
}
