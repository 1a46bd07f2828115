/** A seeded PRNG, so bootstrap intervals, run orders and the gate simulation are reproducible.
 * mulberry32: 32-bit state, passes the usual small-crush style checks, ~1 ns a draw. */
export type Random = () => number

export function seededRandom(seed: number): Random {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A standard normal draw (Box–Muller; the second value is dropped to keep the state simple). */
export function normal(random: Random): number {
  let u = random()
  while (u === 0) u = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}
