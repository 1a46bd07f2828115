// Mutations for the decoder fuzz run (bench/pprof/fuzz.mjs and test/unit/pprof-fuzz.test.ts):
// bit flips, random bytes, 0xff runs (endless varints), truncation, insertion, chunk duplication
// and deletion, each seeded so a failing input can be reproduced from its number.
import {seededRandom as prng} from '../../dist/bench/random.js'

/** Input number `i` mutated from `base` (1–4 mutations). */
export function mutate(base, i) {
  const rnd = prng(i * 2654435761)
  const int = (n) => Math.floor(rnd() * n)
  let b = Uint8Array.from(base)
  const rounds = 1 + int(4)
  for (let r = 0; r < rounds; r++) {
    const at = int(Math.max(1, b.length))
    switch (int(7)) {
      case 0:
        b[at] ^= 1 << int(8)
        break
      case 1:
        b[at] = int(256)
        break
      case 2:
        b.fill(0xff, at, Math.min(b.length, at + 1 + int(12)))
        break
      case 3:
        b = b.subarray(0, at)
        break
      case 4: {
        const ins = Uint8Array.from({length: 1 + int(8)}, () => int(256))
        const next = new Uint8Array(b.length + ins.length)
        next.set(b.subarray(0, at))
        next.set(ins, at)
        next.set(b.subarray(at), at + ins.length)
        b = next
        break
      }
      case 5: {
        const len = Math.min(b.length - at, 1 + int(64))
        const next = new Uint8Array(b.length + len)
        next.set(b.subarray(0, at + len))
        next.set(b.subarray(at, at + len), at + len)
        next.set(b.subarray(at + len), at + 2 * len)
        b = next
        break
      }
      default: {
        const len = Math.min(b.length - at, 1 + int(32))
        const next = new Uint8Array(b.length - len)
        next.set(b.subarray(0, at))
        next.set(b.subarray(at + len), at)
        b = next
      }
    }
  }
  return b
}
