/** C's hist_index (addon/bpf/hist.h) and TS's histIndex put the same values in the same buckets:
 * the test target passes known values to a uprobe that records them into a per-CPU hash of
 * struct hist; the engine reads it back (CPUs summed) and it must equal the TS histogram exactly. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {HIST_BYTES, HIST_SLOTS, histIndex} from '../../src/engine/histogram.js'
import {describeEbpf} from '../support/ebpf.js'
import {startTarget, TEST_TARGET} from '../support/target.js'

/** Values around every bucket edge of the u64 range, plus a spread of ordinary ones. */
function testValues(): bigint[] {
  const out: bigint[] = []
  for (let v = 0n; v < 40n; v++) out.push(v)
  for (let k = 3n; k < 64n; k++) {
    for (let sub = 0n; sub < 8n; sub++) {
      const edge = (8n + sub) << (k - 3n)
      out.push(edge - 1n, edge, edge + 1n)
    }
  }
  out.push(2n ** 64n - 1n, 2n ** 53n + 1n, 123_456_789n, 999_999_999_999n)
  return out.filter((v) => v >= 0n && v < 2n ** 64n)
}

describeEbpf('engine histograms', () => {
  it('C and TS agree bucket by bucket, and the reader sums CPUs', async () => {
    const values = testValues()
    // Two keys: key 1 gets every value, key 2 every third one (so keys cannot be mixed up).
    const lines = values.flatMap((v, i) => (i % 3 === 0 ? [`1 ${v}`, `2 ${v}`] : [`1 ${v}`]))
    const dir = mkdtempSync(join(tmpdir(), 'monitor-hist-'))
    const file = join(dir, 'values')
    writeFileSync(file, lines.join('\n') + '\n')
    try {
      const target = await startTarget('values', file)
      const obj = BpfObject.open('enginetest', {config: {targ_tgid: target.pid}, programs: ['on_value']})
      try {
        obj.load()
        obj.attachUprobe('on_value', TEST_TARGET, 'monitor_test_value', {pid: target.pid})
        const {code} = await target.go()
        expect(code).toBe(0)
        expect(target.result()).toBe(lines.length)

        const raw = obj.map('hists').read()
        expect(raw.count).toBe(2)
        expect(raw.valueSize).toBe(HIST_BYTES)
        const read = new Map(obj.histograms('hists').map(({key, histogram}) => [key.readUInt32LE(0), histogram]))
        for (const [key, mine] of [
          [1, values],
          [2, values.filter((_, i) => i % 3 === 0)],
        ] as const) {
          const expected = new Array<number>(HIST_SLOTS).fill(0)
          for (const v of mine) expected[histIndex(v)]++
          const h = read.get(key)!
          expect(h.count).toBe(mine.length)
          expect(Array.from(h.counts)).toEqual(expected)
          // struct hist's sum is a u64 that wraps, as C's does.
          const sum = mine.reduce((a, b) => a + b, 0n) % 2n ** 64n
          const i = [...Array(raw.count).keys()].find((j) => raw.key(j).readUInt32LE(0) === key)!
          expect(raw.value(i).readBigUInt64LE(8)).toBe(sum)
        }
        expect(obj.losses().map_full).toBe(0)
      } finally {
        obj.closeNow()
        target.kill()
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
