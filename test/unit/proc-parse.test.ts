/** The pure /proc parsers of `monitor top`, on fixture texts (test/fixtures/proc). */
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {
  containerOf,
  cpuBusyPercent,
  parseCgroup,
  parseLoadavg,
  parseMeminfo,
  parsePasswd,
  parsePressure,
  parseStat,
  parseStatLine,
  parseUptime,
} from '../../src/proc/parse.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/proc/${name}`, import.meta.url), 'utf8')

describe('/proc parsers', () => {
  it('stat: machine and per-CPU times, boot time, run queue', () => {
    const s = parseStat(fixture('stat'))
    expect(s.all).toEqual({user: 289386, nice: 12, system: 117515, idle: 1735871, iowait: 1738, irq: 0, softirq: 9523, steal: 242, total: 2154287})
    expect(s.cpus).toHaveLength(2)
    expect(s.cpus[1].user).toBe(153612)
    expect(s.bootTimeS).toBe(1764742000)
    expect([s.procsRunning, s.procsBlocked]).toEqual([3, 1])
  })

  it('CPU busy % counts everything but idle and iowait', () => {
    const a = parseStat(fixture('stat')).all
    const b = {...a, user: a.user + 30, idle: a.idle + 60, iowait: a.iowait + 10, total: a.total + 100}
    expect(cpuBusyPercent(a, b)).toBe(30)
    expect(cpuBusyPercent(a, a)).toBe(0)
  })

  it('meminfo in bytes, cached counting reclaimable slab', () => {
    expect(parseMeminfo(fixture('meminfo'))).toEqual({
      totalBytes: 24683584 * 1024,
      freeBytes: 22956060 * 1024,
      availableBytes: 23962424 * 1024,
      buffersBytes: 6552 * 1024,
      cachedBytes: (1044268 + 60000) * 1024,
      shmemBytes: 12000 * 1024,
      swapTotalBytes: 2097148 * 1024,
      swapFreeBytes: 1048574 * 1024,
    })
    // Before MemAvailable (Linux < 3.14): free + buffers + cached.
    expect(parseMeminfo('MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 1 kB\nCached: 2 kB\n').availableBytes).toBe(13 * 1024)
  })

  it('loadavg and uptime', () => {
    expect(parseLoadavg(fixture('loadavg'))).toEqual({load1: 1.28, load5: 0.96, load15: 1.11, runnable: 2, entities: 109})
    expect(parseUptime(fixture('uptime'))).toBe(10822.18)
  })

  it('pressure: some and full; full absent on old kernels', () => {
    expect(parsePressure(fixture('pressure-cpu'))).toEqual({
      some: {avg10: 3.44, avg60: 7.28, avg300: 6.05, totalUs: 808824578},
      full: {avg10: 0, avg60: 0, avg300: 0, totalUs: 0},
    })
    expect(parsePressure(fixture('pressure-cpu-old')).full).toBeNull()
  })

  it('cgroup: the v2 path, else the first v1 path, and the container', () => {
    expect(parseCgroup(fixture('cgroup-docker'))).toEqual({
      path: '/system.slice/docker-4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a.scope',
      container: 'docker:4f3a2b1c0d9e',
    })
    expect(parseCgroup(fixture('cgroup-hybrid'))).toEqual({path: '/process_api/d687b4071aebdd8f4ecd74a2a0b8a45e', container: null})
    expect(parseCgroup(fixture('cgroup-k8s')).container).toBe('containerd:0123456789ab')
    expect(parseCgroup(fixture('cgroup-user'))).toEqual({path: '/user.slice/user-1000.slice/session-2.scope', container: null})
    expect(parseCgroup('')).toEqual({path: '/', container: null})
    expect(containerOf('/lxc.payload.web1/init.scope')).toBe('lxc:web1')
    expect(containerOf('/machine.slice/libpod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope/container')).toBe(
      'podman:0123456789ab',
    )
  })

  it('passwd: the first name of each uid', () => {
    const users = parsePasswd(fixture('passwd'))
    expect(users.get(0)).toBe('root')
    expect(users.get(1000)).toBe('alice')
    expect(users.get(65534)).toBe('nobody')
    expect(users.size).toBe(3)
  })

  it('a stat line whose comm holds spaces and parentheses', () => {
    expect(parseStatLine(fixture('stat-line'))).toEqual({
      pid: 4242,
      comm: 'a) b (c',
      state: 'R',
      ppid: 1,
      flags: 4194304,
      utime: 250,
      stime: 75,
      priority: 20,
      nice: 0,
      threads: 3,
      starttime: 1082208,
      vsize: 10223616,
      rssPages: 640,
      processor: 1,
    })
    expect(parseStatLine('garbage')).toBeNull()
  })
})
