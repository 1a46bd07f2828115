import {describe, expect, it} from 'vitest'

import {packRecords, forEachRecord} from '../../src/engine/records.js'
import {EXEC_EVENT} from '../../src/trace/exec/layout.js'
import {decodeExecRecord, ExecEventKind, ExecFlag, resolvedPath, splitArgs} from '../../src/trace/exec/record.js'

/** Builds an exec_event record byte by byte at the offsets of addon/bpf/exec.h: the 72-byte
 * header, argv, then filename. */
function execRecord(fields: {kind: number; ts: bigint; start: bigint; pid: number; ppid: number; uid: number; status: number; flags: number; comm: string; args: string; filename?: string; error?: number}): Uint8Array {
  const args = Buffer.from(fields.args, 'utf8')
  const filename = Buffer.from(fields.filename ?? '', 'utf8')
  const buf = Buffer.alloc(72 + args.length + filename.length)
  buf.writeBigUInt64LE(fields.ts, 0)
  buf.writeBigUInt64LE(fields.start, 8)
  buf.writeUInt32LE(fields.kind, 16)
  buf.writeUInt32LE(fields.pid, 20)
  buf.writeUInt32LE(fields.ppid, 24)
  buf.writeUInt32LE(fields.uid, 28)
  buf.writeInt32LE(fields.status, 32)
  buf.writeUInt32LE(fields.flags, 36)
  buf.writeUInt32LE(args.length, 40)
  buf.writeUInt32LE(filename.length, 44)
  buf.writeUInt32LE(fields.error ?? 0, 48)
  buf.write(fields.comm, 56, 'latin1')
  args.copy(buf, 72)
  filename.copy(buf, 72 + args.length)
  return buf
}

describe('exec_event decoding', () => {
  it('decodes an exec record with argv', () => {
    const rec = execRecord({kind: ExecEventKind.exec, ts: 5_000_000_123n, start: 5_000_000_123n, pid: 42, ppid: 7, uid: 1000, status: 0, flags: 0, comm: 'curl', args: 'curl\0-s\0http://x\0'})
    const out: ReturnType<typeof decodeExecRecord>[] = []
    forEachRecord(packRecords([rec]), (v, o, l) => out.push(decodeExecRecord(v, o, l)))
    expect(out).toEqual([
      {kind: 1, ts_ns: 5_000_000_123, start_ns: 5_000_000_123, pid: 42, ppid: 7, uid: 1000, status: 0, flags: 0, comm: 'curl', argv: ['curl', '-s', 'http://x'], filename: '', error: 0},
    ])
  })

  it('decodes an exit record (no argv) with a wait status', () => {
    const rec = execRecord({kind: ExecEventKind.exit, ts: 9n, start: 3n, pid: 1, ppid: 0, uid: 0, status: 3 << 8, flags: 0, comm: 'sh', args: ''})
    forEachRecord(packRecords([rec]), (v, o, l) => {
      const r = decodeExecRecord(v, o, l)
      expect(r.kind).toBe(ExecEventKind.exit)
      expect(r.argv).toEqual([])
      expect(r.status).toBe(3 << 8)
    })
  })

  it('keeps a truncated last argument and refuses a record shorter than the header', () => {
    expect(splitArgs(Buffer.from('a\0bb\0cc'))).toEqual(['a', 'bb', 'cc'])
    expect(splitArgs(Buffer.from('a\0\0b\0'))).toEqual(['a', '', 'b'])
    const short = new DataView(new ArrayBuffer(32))
    expect(() => decodeExecRecord(short, 0, 32)).toThrow(/shorter than its header/)
    expect(EXEC_EVENT.size).toBe(72)
  })

  it('turns an exec path walked leaf first into a path, and keeps a failed exec filename as passed', () => {
    const exec = execRecord({kind: ExecEventKind.exec, ts: 1n, start: 1n, pid: 1, ppid: 1, uid: 0, status: 0, flags: 0, comm: 'true', args: 'true\0', filename: 'true\0bin\0usr\0'})
    expect(decodeExecRecord(new DataView(exec.buffer), 0, exec.byteLength)).toMatchObject({argv: ['true'], filename: '/usr/bin/true'})
    const cut = execRecord({kind: ExecEventKind.exec, ts: 1n, start: 1n, pid: 1, ppid: 1, uid: 0, status: 0, flags: ExecFlag.filenameTruncated, comm: 'x', args: '', filename: 'x\0deep\0'})
    expect(decodeExecRecord(new DataView(cut.buffer), 0, cut.byteLength).filename).toBe('.../deep/x')
    const failed = execRecord({kind: ExecEventKind.execFailed, ts: 1n, start: 1n, pid: 1, ppid: 1, uid: 0, status: 0, flags: 0, comm: 'sh', args: './x\0a\0', filename: './x\0', error: 2})
    expect(decodeExecRecord(new DataView(failed.buffer), 0, failed.byteLength)).toMatchObject({argv: ['./x', 'a'], filename: './x', error: 2})
  })

  it('reads a leaf-first path the same way for ASCII and for UTF-8 names', () => {
    const path = (s: string, cut = false) => resolvedPath(Buffer.from(s, 'utf8'), cut)
    expect(path('true\0bin\0usr\0')).toBe('/usr/bin/true')
    expect(path('init\0')).toBe('/init')
    expect(path('')).toBe('/')
    expect(path('x\0\0a\0')).toBe('/a//x') // an empty component stays visible
    expect(path('naïve\0dır\0')).toBe('/dır/naïve')
    expect(path('t\0d\0', true)).toBe('.../d/t')
    expect(path('ü\0d\0', true)).toBe('.../d/ü')
  })

  it('bounds argv by the record length even if args_len lies', () => {
    const rec = execRecord({kind: 1, ts: 1n, start: 1n, pid: 1, ppid: 1, uid: 1, status: 0, flags: ExecFlag.argsTruncated, comm: 'x', args: 'ab'})
    Buffer.from(rec.buffer).writeUInt32LE(4096, 40)
    const r = decodeExecRecord(new DataView(rec.buffer), 0, rec.byteLength)
    expect(r.argv).toEqual(['ab'])
  })
})
