/** perf_event sampling driven by CPU time: the test target burns a known amount of its own CPU time
 * inside monitor_test_burn; a cpu-clock event per online CPU must sample it hz × CPU seconds times,
 * with user stacks that point into that function. */
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {SAMPLE_KEY} from '../../src/engine/layouts.js'
import {loadNative} from '../../src/engine/native.js'
import {describeEbpf} from '../support/ebpf.js'
import {fdsOf} from '../support/fdinfo.js'
import {startTarget, TEST_TARGET} from '../support/target.js'

/** [start, end) of a function in the (PIE) test binary, as file-relative addresses. */
function symbolRange(binary: string, name: string): [bigint, bigint] {
  const out = execFileSync('nm', ['-S', '--defined-only', binary], {encoding: 'utf8'})
  const m = new RegExp(`^([0-9a-f]+) ([0-9a-f]+) [Tt] ${name}$`, 'm').exec(out)
  if (!m) throw new Error(`nm found no ${name} in ${binary}`)
  const start = BigInt('0x' + m[1])
  return [start, start + BigInt('0x' + m[2])]
}

/** Where the binary's first (offset 0) mapping starts in the process: the PIE load base. */
function loadBase(pid: number, binary: string): bigint {
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const [range, , offset, , , path] = line.split(/\s+/)
    if (path === binary && BigInt('0x' + offset) === 0n) return BigInt('0x' + range.split('-')[0])
  }
  throw new Error(`${binary} is not mapped in ${pid}`)
}

describeEbpf('engine perf_event sampling', () => {
  it('samples hz × the CPU seconds a process burns, with user stacks inside the burning function', async () => {
    const hz = 199
    const burnMs = 1500
    const target = await startTarget('burn', burnMs)
    const [fnStart, fnEnd] = symbolRange(TEST_TARGET, 'monitor_test_burn')
    const base = loadBase(target.pid, TEST_TARGET)
    const obj = BpfObject.open('sampler', {config: {targ_tgid: target.pid}, programs: ['on_sample']})
    try {
      obj.load()
      const links = obj.attachPerfEvent('on_sample', {frequency: hz})
      expect(links.length).toBe(loadNative().onlineCpus().length)
      const {code} = await target.go()
      expect(code).toBe(0)
      const cpuSeconds = target.result() / 1e9
      expect(cpuSeconds).toBeGreaterThanOrEqual(burnMs / 1000)

      const counts = obj.map('counts').read()
      const stacks = obj.stackTraces('stacks')
      let total = 0
      let inFunction = 0
      for (let i = 0; i < counts.count; i++) {
        const key = SAMPLE_KEY.decode(new DataView(counts.keys.buffer, counts.keys.byteOffset), i * SAMPLE_KEY.size)
        const n = Number(counts.value(i).readBigUInt64LE(0))
        expect(key.tgid).toBe(target.pid) // the BPF side filters by tgid
        total += n
        // A user-mode sample has no kernel stack (-EFAULT); one in a syscall has an id.
        expect(key.kernel_stack_id >= 0 || key.kernel_stack_id === -14).toBe(true)
        const user = stacks.read(key.user_stack_id)
        if (user && user.some((ip) => ip - base >= fnStart && ip - base < fnEnd)) inFunction += n
      }
      const perCpu = obj.map('samples').lookup(Buffer.alloc(4))!.readBigUInt64LE(0)
      expect(Number(perCpu)).toBe(total)
      const expected = hz * cpuSeconds
      expect(total).toBeGreaterThanOrEqual(Math.floor(expected * 0.85))
      expect(total).toBeLessThanOrEqual(Math.ceil(expected * 1.15))
      expect(inFunction / total).toBeGreaterThanOrEqual(0.9)
    } finally {
      obj.closeNow()
      target.kill()
    }
  })

  it('validates options before any perf event opens, and leaks no fd when attaching fails', () => {
    const obj = BpfObject.open('sampler', {programs: ['on_sample']})
    try {
      obj.load()
      expect(() => obj.attachPerfEvent('on_sample', {frequency: 99, period: 1000})).toThrow(/give frequency or period/)
      expect(() => obj.attachPerfEvent('on_sample', {})).toThrow(RangeError)
      expect(() => obj.attachPerfEvent('on_sample', {frequency: 0})).toThrow(RangeError)
      const held = () => [fdsOf('perf_event'), fdsOf('bpf_link')]
      const before = held()
      // CPU 0 attaches, then an impossible CPU fails: the whole call is undone.
      expect(() => obj.attachPerfEvent('on_sample', {frequency: 99, cpus: [0, 4095]})).toThrow(/perf_event_open on CPU 4095/)
      expect(held()).toEqual(before)
      expect(obj.attachPerfEvent('on_sample', {period: 10_000_000, cpus: [0]})).toHaveLength(1)
      expect(held()).toEqual([before[0] + 1, before[1] + 1]) // the link owns the perf event fd
    } finally {
      obj.closeNow()
    }
  })
})
