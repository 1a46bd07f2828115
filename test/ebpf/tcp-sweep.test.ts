/** tcp.bpf.c's closing check (tcp_sweep): run when tracing stops, it counts entries of the owner map
 * that still owe a close record for a socket that is gone — a close, and a destruction, no program
 * saw. Live sockets of this process, with their closes still to come, are left alone. In states mode
 * a change that does not start where the last one handled ended is counted too. */
import {createServer, connect, type Server, type Socket} from 'node:net'
import {afterEach, expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {describeEbpf, waitFor} from '../support/ebpf.js'

const OWNER_PROGRAMS = ['tcp_state', 'tcp_state_backup', 'tcp_destroy', 'tcp_accept4_exit', 'tcp_accept_exit']
/* struct tcp_owner: start_ns, state_ns, est_ns, cgroup (u64); pid (u32); open, state (u16); comm[16]. */
const OWNER_BYTES = 56
const TCP_ESTABLISHED = 1
const TCP_SYN_RECV = 3
const TCP_CLOSE = 7

interface Owner {
  pid: number
  open: number
  state: number
}

function owners(obj: BpfObject): Map<bigint, Owner> {
  const e = obj.map('owners').read()
  const out = new Map<bigint, Owner>()
  for (let i = 0; i < e.count; i++) {
    const v = e.value(i)
    out.set(e.key(i).readBigUInt64LE(0), {pid: v.readUInt32LE(32), open: v.readUInt16LE(36), state: v.readUInt16LE(38)})
  }
  return out
}

function ownerValue(open: number, state: number): Buffer {
  const v = Buffer.alloc(OWNER_BYTES)
  v.writeUInt32LE(process.pid, 32)
  v.writeUInt16LE(open, 36)
  v.writeUInt16LE(state, 38)
  return v
}

const key = (addr: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(addr)
  return b
}

/** Kernel addresses no socket lives at (the top of the address space is unmapped: reads fault). */
const GONE = 0xffff_ffff_ff00_0040n
const GONE_NOT_OWED = 0xffff_ffff_ff00_0080n

describeEbpf('tcp closing check', () => {
  let obj: BpfObject | undefined
  let server: Server | undefined
  const sockets: Socket[] = []
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy()
    server?.close()
    obj?.closeNow()
    obj = undefined
  })

  for (const mode of ['life', 'states'] as const) {
    it(`${mode}: counts an owed close of a socket that is gone, once, and not those of live connections`, async () => {
      obj = BpfObject.open('tcp', {
        programs: OWNER_PROGRAMS,
        onDemand: ['tcp_sweep'],
        bookkeeping: ['tcp_destroy', 'tcp_accept4_exit', 'tcp_accept_exit'],
        config: {emit_life: mode === 'life', emit_states: mode === 'states'},
      })
      obj.load()
      for (const p of obj.programNames) obj.attach(p)
      expect(obj.programNames).not.toContain('tcp_sweep') // loaded, never attached

      // A live loopback connection of this process: both its sockets owe a close.
      const accepted = new Promise<Socket>((resolve) => {
        server = createServer((s) => resolve(s))
      })
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
      const {port} = server!.address() as {port: number}
      const client = connect(port, '127.0.0.1')
      sockets.push(client)
      await new Promise<void>((resolve) => client.on('connect', () => resolve()))
      sockets.push(await accepted)
      const ours = () => [...owners(obj!).values()].filter((o) => o.pid === process.pid && o.state === TCP_ESTABLISHED && (mode === 'states' || o.open === 1))
      expect(await waitFor(() => ours().length >= 2)).toBe(true)

      obj.run('tcp_sweep')
      const before = obj.losses().recursion_misses
      const owners0 = obj.map('owners')
      owners0.update(key(GONE), ownerValue(mode === 'life' ? 1 : 0, TCP_ESTABLISHED))
      owners0.update(key(GONE_NOT_OWED), ownerValue(0, mode === 'life' ? TCP_ESTABLISHED : TCP_CLOSE))

      obj.run('tcp_sweep')
      expect(obj.losses().recursion_misses).toBe(before + 1)
      const after = owners(obj)
      expect(after.get(GONE)).toEqual({pid: process.pid, open: 0, state: TCP_CLOSE}) // counted once: marked
      expect(ours().length).toBeGreaterThanOrEqual(2) // the live connection's entries untouched

      obj.run('tcp_sweep')
      expect(obj.losses().recursion_misses).toBe(before + 1)
      expect(() => obj!.run('tcp_state')).toThrow(/not an on-demand program/)

      if (mode === 'states') {
        // A change that does not start where the last one handled ended: the ones between went
        // unseen. Make one socket's entry say SYN_RECV, then close the connection.
        const [addr, o] = [...owners(obj).entries()].find(([, v]) => v.pid === process.pid && v.state === TCP_ESTABLISHED)!
        owners0.update(key(addr), ownerValue(o.open, TCP_SYN_RECV))
        for (const sock of sockets) sock.destroy()
        expect(await waitFor(() => obj!.losses().recursion_misses === before + 2)).toBe(true)
        obj.run('tcp_sweep')
        expect(obj.losses().recursion_misses).toBe(before + 2)
      }
    })
  }
})
