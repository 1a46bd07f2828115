/** The view's runner over a FrameSource, without a terminal: a replay steps with ←/→ and Home/End
 * and says REPLAY with the frame's time; a live source keeps sampling while the screen holds on p;
 * k then Enter asks the source to signal the selected process. */
import {describe, expect, it} from 'vitest'

import {TopView} from '../../src/cli/top-live.js'
import type {FrameSource} from '../../src/proc/frame-source.js'
import type {FrameProcess, TopFrame} from '../../src/proc/frame.js'

const T0 = Date.parse('2026-12-03T10:00:00.000Z')

function row(pid: number, cpu: number): FrameProcess {
  return {
    pid, ppid: 1, user: 'root', uid: 0, state: 'S', priority: 20, nice: 0, threads: 1, cpu_percent: cpu, mem_percent: 0, rss_bytes: 0,
    shared_bytes: 0, virt_bytes: 0, cpu_time_s: 0, start_ts: new Date(T0).toISOString(), processor: 0, cgroup: '/', container: null,
    command: `proc-${pid}`, comm: `proc-${pid}`,
  }
}

function frameAt(k: number): TopFrame {
  return {
    epochMs: T0 + k * 1000, intervalS: 1, mode: 'core',
    system: {
      cpuPercent: 1, perCpuPercent: [1, 2],
      memory: {totalBytes: 1, availableBytes: 1, freeBytes: 1, buffersBytes: 0, cachedBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0},
      load: {load1: 0, load5: 0, load15: 0}, uptimeS: 100 + k, pressure: {cpu: null, memory: null, io: null},
      tasks: {total: 2, running: 0, sleeping: 2, stopped: 0, zombie: 0, threads: 2, kernelThreads: 0},
    },
    self: null, processes: [row(100 + k, 5), row(200, 1)], shortLived: null, bpf: {state: 'off', note: null, lost: 0},
  } as TopFrame
}

class Replay implements FrameSource {
  readonly live = false
  at = -1
  constructor(readonly frames: TopFrame[]) {}
  async next() {
    return this.at + 1 < this.frames.length ? this.frames[++this.at] : null
  }
  step(to: 'first' | 'last' | -1 | 1) {
    this.at = to === 'first' ? 0 : to === 'last' ? this.frames.length - 1 : Math.max(0, Math.min(this.frames.length - 1, this.at + to))
    return this.frames[this.at]
  }
  position() {
    return `${this.at + 1}/${this.frames.length}`
  }
  close() {}
}

// eslint-disable-next-line no-control-regex
const plain = (lines: string[]) => lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, '')).join('\n')

function viewOf(source: FrameSource) {
  let screen = ''
  let quit = false
  const view = new TopView(source, {intervalS: 1, mode: 'core'}, () => (quit = true))
  view.onLines = (lines) => (screen = plain(lines))
  return {view, screen: () => screen, quit: () => quit}
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  return check()
}

describe('TopView over a FrameSource', () => {
  it('replay: plays to the end, steps back and forward, first and last', async () => {
    const source = new Replay([0, 1, 2].map(frameAt))
    const {view, screen} = viewOf(source)
    const running = view.run()
    expect(await until(() => screen().includes('REPLAY 2026-12-03 10:00:02.000 (3/3)'))).toBe(true)
    expect(screen()).toContain('PAUSED (p play)')
    view.keys('\x1b[D')
    expect(screen()).toContain('REPLAY 2026-12-03 10:00:01.000 (2/3)')
    expect(screen()).toContain('proc-101')
    view.keys('\x1b[H')
    expect(screen()).toContain('(1/3)')
    view.keys('\x1b[F')
    expect(screen()).toContain('(3/3)')
    view.keys('k')
    expect(screen()).toContain('a replay sends no signals')
    view.close()
    await running
  })

  it('live: the screen holds while paused and shows the newest frame on resume; k sends through the source', async () => {
    let k = 0
    const sent: [number, string][] = []
    const source: FrameSource = {
      live: true,
      next: async () => {
        await new Promise((r) => setTimeout(r, 5))
        return frameAt(k++)
      },
      signal: (t, sig) => (sent.push([t.pid, sig]), 'sent'),
      close() {},
    }
    const {view, screen, quit} = viewOf(source)
    const running = view.run()
    expect(await until(() => screen().includes('proc-100'))).toBe(true)
    view.keys('p')
    const held = screen()
    const at = k
    expect(await until(() => k > at + 3)).toBe(true)
    expect(screen()).toBe(held)
    view.keys('p')
    expect(screen()).not.toContain('PAUSED')
    expect(screen()).toContain(`proc-${100 + k - 1}`)
    view.keys('p')
    view.keys('k')
    expect(screen()).toContain('Send a signal to process')
    view.keys('\r')
    // The selection: the top row, the busiest process of the frame on screen.
    const top = Number(/^\s*(\d+) /m.exec(screen().split('\n').slice(screen().split('\n').findIndex((l) => /PID USER/.test(l)) + 1).join('\n'))![1])
    expect(sent).toEqual([[top, 'SIGTERM']])
    expect(screen()).toMatch(/TERM: \d+ sent/)
    view.keys('q')
    expect(quit()).toBe(true)
    view.close()
    await running
  })
})
