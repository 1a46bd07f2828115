/** The start-up snapshot of who owns which connection: /proc/net/tcp{,6} parsed as text. */
import {describe, expect, it} from 'vitest'

import {joinSnapshot, listenerKey, parseProcAddress, parseProcNetTcp, socketInode, tupleKey} from '../../src/trace/tcp/snapshot.js'

const TCP4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1505 1 0000000096180d91 100 0 0 10 0
   1: 0100007F:8D85 0100007F:A086 01 00000000:00000000 00:00000000 00000000  1000        0 88123 1 0000000084d81d92 20 4 30 10 -1
   2: 0100007F:8D86 0100007F:A086 06 00000000:00000000 03:0000127E 00000000     0        0 0 3 0000000084d81d92
`
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000001000000:C738 01 00000000:00000000 02:00094A5E 00000000     0        0 77001 2 0000000000000000 20 4 1 10 -1
   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 77002 1 0000000000000000 20 4 0 10 -1
   2: B80D01200000000000000000010000FE:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77003 1 0000000000000000 100 0 0 10 0
`

describe('trace tcp start-up snapshot', () => {
  it('reads addresses as the kernel prints them (each 32-bit word in host order)', () => {
    expect(parseProcAddress('0100007F:1F90')).toEqual(['127.0.0.1', 8080])
    expect(parseProcAddress('00000000000000000000000001000000:0016')).toEqual(['::1', 22])
    expect(parseProcAddress('0000000000000000FFFF00000100007F:1F90')).toEqual(['::ffff:127.0.0.1', 8080])
    expect(parseProcAddress('B80D01200000000000000000010000FE:0050')).toEqual(['2001:db8::fe00:1', 80])
  })

  it('parses rows: tuple, state and socket inode', () => {
    expect(parseProcNetTcp(TCP4, 'ipv4')).toEqual([
      {family: 'ipv4', saddr: '0.0.0.0', sport: 2024, daddr: '0.0.0.0', dport: 0, state: 10, inode: 1505},
      {family: 'ipv4', saddr: '127.0.0.1', sport: 36229, daddr: '127.0.0.1', dport: 41094, state: 1, inode: 88123},
      {family: 'ipv4', saddr: '127.0.0.1', sport: 36230, daddr: '127.0.0.1', dport: 41094, state: 6, inode: 0},
    ])
    expect(parseProcNetTcp(TCP6, 'ipv6').map((e) => [e.saddr, e.sport, e.daddr, e.dport, e.inode])).toEqual([
      ['::1', 22, '::1', 51000, 77001],
      ['::ffff:127.0.0.1', 8080, '::ffff:127.0.0.1', 54321, 77002],
      ['2001:db8::fe00:1', 80, '::', 0, 77003],
    ])
  })

  it('socket inodes from fd links', () => {
    expect(socketInode('socket:[88123]')).toBe(88123)
    expect(socketInode('pipe:[12]')).toBeUndefined()
    expect(socketInode('/dev/null')).toBeUndefined()
  })

  it('joins connections with their owners per namespace; listeners apart, time-wait entries left out', () => {
    const tables = new Map([
      [4026531840, [...parseProcNetTcp(TCP4, 'ipv4'), ...parseProcNetTcp(TCP6, 'ipv6')]],
      [4026532000, parseProcNetTcp(TCP4, 'ipv4')],
    ])
    const owners = new Map([
      [88123, {pid: 10, comm: 'curl'}],
      [77001, {pid: 11, comm: 'sshd'}],
      [1505, {pid: 12, comm: 'listener'}],
    ])
    const snap = joinSnapshot(tables, owners)
    const k = tupleKey('ipv4', '127.0.0.1', 36229, '127.0.0.1', 41094)
    expect(snap.byNetns.get(`4026531840 ${k}`)).toEqual({pid: 10, comm: 'curl'})
    expect(snap.byNetns.get(`4026532000 ${k}`)).toEqual({pid: 10, comm: 'curl'})
    expect(snap.byTuple.get(tupleKey('ipv6', '::1', 22, '::1', 51000))).toEqual({pid: 11, comm: 'sshd'})
    expect([...snap.byTuple.values()].some((o) => o.comm === 'listener')).toBe(false)
    // Listeners lend their owner to handshakes not accepted yet (a SYN-ACK sent again).
    expect(snap.byListener.get(listenerKey('ipv4', 2024))).toEqual({pid: 12, comm: 'listener'})
    expect(snap.byListener.get(`4026532000 ${listenerKey('ipv4', 2024)}`)).toEqual({pid: 12, comm: 'listener'})
  })
})
