/** The order runs happen in. Arms are interleaved in blocks "a random permutation, then the same
 * permutation reversed" (ABBA or BAAB for two arms): a drift that is linear across a block adds
 * the same to every arm, so slow changes of the machine (thermal, other jobs, caches warming) cancel
 * instead of landing on whichever arm ran last, as with all-A-then-all-B. */
import type {Random} from './random.js'

/** Arm indices in run order: `runsPerArm` runs of each of `arms` arms. */
export function interleavedOrder(arms: number, runsPerArm: number, random: Random): number[] {
  const order: number[] = []
  for (let done = 0; done < runsPerArm; done += 2) {
    const perm = Array.from({length: arms}, (_, i) => i)
    for (let i = arms - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[perm[i], perm[j]] = [perm[j], perm[i]]
    }
    order.push(...perm)
    if (done + 1 < runsPerArm) order.push(...perm.reverse())
  }
  return order
}
