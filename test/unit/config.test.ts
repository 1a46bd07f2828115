/** `.rodata` config values are checked against each variable's BTF type before anything is written;
 * the ring wakeup threshold follows the ring's size. Opening an object needs no privileges. */
import {describe, expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {MAX_WAKEUP_BYTES, ringSizeFor, wakeupBytesFor} from '../../src/engine/config.js'
import {ConfigError} from '../../src/engine/errors.js'
import {ExitCode, MonitorError} from '../../src/errors.js'

function rodata(name: string, options: Parameters<typeof BpfObject.open>[1]): (variable: string) => Buffer {
  const obj = BpfObject.open(name, options)
  try {
    const vars = obj.handle.datasec('.rodata')
    const data = obj.handle.getData('.rodata')
    return (variable) => {
      const v = vars.find((x) => x.name === variable)!
      return data.subarray(v.offset, v.offset + v.size)
    }
  } finally {
    obj.closeNow()
  }
}

function configError(name: string, config: Record<string, unknown>): ConfigError {
  try {
    BpfObject.open(name, {config: config as never}).closeNow()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    expect(error).toBeInstanceOf(MonitorError)
    expect((error as ConfigError).exitCode).toBe(ExitCode.usage)
    return error as ConfigError
  }
  throw new Error(`config ${JSON.stringify(config)} was accepted`)
}

describe('config (.rodata)', () => {
  it('writes each kind of value where C expects it', () => {
    const read = rodata('enginetest', {
      config: {cfg_bool: true, cfg_s8: -128, cfg_s64: -(2n ** 63n), cfg_u64: 2n ** 64n - 1n, cfg_ports: [80, 65535], cfg_name: 'nginx', cfg_slot: 2, targ_tgid: 4_294_967_295},
    })
    expect([...read('cfg_bool')]).toEqual([1])
    expect(read('cfg_s8').readInt8(0)).toBe(-128)
    expect(read('cfg_s64').readBigInt64LE(0)).toBe(-(2n ** 63n))
    expect(read('cfg_u64').readBigUInt64LE(0)).toBe(2n ** 64n - 1n)
    expect([0, 1, 2, 3].map((i) => read('cfg_ports').readUInt16LE(i * 2))).toEqual([80, 65535, 0, 0])
    expect(read('cfg_name').toString('latin1')).toBe('nginx\0\0\0')
    expect(read('cfg_slot').readUInt32LE(0)).toBe(2)
    expect(read('targ_tgid').readUInt32LE(0)).toBe(4_294_967_295)
  })

  it('rejects an unknown variable, naming the ones that exist', () => {
    const e = configError('exec', {no_such_var: 1})
    expect(e.message).toBe('unknown config variable no_such_var (this object has: wakeup_bytes, targ_pid, targ_uid, targ_comm, targ_cgroup, all_exits)')
    expect(e.variable).toBe('no_such_var')
  })

  it('rejects integers out of range for their C type, naming the range', () => {
    expect(configError('exec', {targ_pid: -1}).message).toBe('config targ_pid (u32) must be from 0 to 4294967295, not -1')
    expect(configError('exec', {targ_uid: 2 ** 32}).message).toBe('config targ_uid (u32) must be from 0 to 4294967295, not 4294967296')
    expect(configError('enginetest', {cfg_s8: 128}).message).toBe('config cfg_s8 (s8) must be from -128 to 127, not 128')
    expect(configError('enginetest', {cfg_s64: 2n ** 63n}).message).toMatch(/cfg_s64 \(s64\) must be from -9223372036854775808 to 9223372036854775807/)
    expect(configError('enginetest', {cfg_slot: -1}).message).toMatch(/cfg_slot \(enum loss_slot\) must be from 0 to 4294967295/)
  })

  it('rejects values of the wrong type', () => {
    expect(configError('exec', {targ_pid: 1.5}).message).toBe('config targ_pid (u32) must be an integer from 0 to 4294967295, not 1.5')
    expect(configError('exec', {targ_pid: '1'}).message).toMatch(/targ_pid \(u32\) must be an integer/)
    expect(configError('enginetest', {cfg_bool: 2}).message).toBe('config cfg_bool (bool) must be true or false, not 2')
    expect(configError('exec', {targ_comm: 7}).message).toBe('config targ_comm (char[16]) must be a string, not 7')
    expect(configError('enginetest', {cfg_ports: 80}).message).toMatch(/cfg_ports \(u16\[4\]\) must be an array of up to 4 integers/)
  })

  it('limits strings to char[N] with room for the NUL, and arrays to their length and element range', () => {
    expect(configError('exec', {targ_comm: 'x'.repeat(16)}).message).toBe('config targ_comm (char[16]) is limited to 15 characters, not 16')
    expect(configError('exec', {targ_comm: 'a\0b'}).message).toMatch(/without NUL bytes/)
    expect(configError('enginetest', {cfg_ports: [1, 2, 3, 4, 5]}).message).toBe('config cfg_ports (u16[4]) takes at most 4 values, not 5')
    expect(configError('enginetest', {cfg_ports: [1, 65536]}).message).toBe('config cfg_ports[1] (u16) must be from 0 to 65535, not 65536')
  })

  it('changes nothing when any value is bad', () => {
    expect(() => BpfObject.open('exec', {config: {targ_uid: 5, targ_pid: -1}})).toThrow(ConfigError)
  })
})

describe('ring wakeup threshold', () => {
  it('is a quarter of the ring, at most 256 KiB', () => {
    expect(wakeupBytesFor(4096)).toBe(1024)
    expect(wakeupBytesFor(256 * 1024)).toBe(64 * 1024)
    expect(wakeupBytesFor(1 << 20)).toBe(MAX_WAKEUP_BYTES)
    expect(wakeupBytesFor(64 << 20)).toBe(MAX_WAKEUP_BYTES)
    expect(ringSizeFor(5000)).toBe(8192)
    expect(ringSizeFor(1)).toBe(4096)
  })

  it('is set from the final size of the events ring unless given', () => {
    const wakeup = (options: Parameters<typeof BpfObject.open>[1]) => rodata('ringbench', options)('wakeup_bytes').readBigUInt64LE(0)
    expect(wakeup({maxEntries: {events: 16 * 1024}})).toBe(4096n)
    expect(wakeup({maxEntries: {events: 10_000}})).toBe(4096n) // the kernel makes it 16 KiB
    expect(wakeup({})).toBe(BigInt(MAX_WAKEUP_BYTES)) // the object's own 4 MiB ring
    expect(wakeup({maxEntries: {events: 16 * 1024}, config: {wakeup_bytes: 0}})).toBe(0n)
  })

  it('rejects sizes of maps that do not exist or cannot be', () => {
    expect(() => BpfObject.open('ringbench', {maxEntries: {nope: 4096}})).toThrow(/has no map nope/)
    expect(() => BpfObject.open('ringbench', {maxEntries: {events: 0}})).toThrow(RangeError)
  })
})
