/** The interactive `monitor top`: full screen on the alternate screen, htop's keys. This runner owns
 * the refresh loop (a FrameSource: live /proc + eBPF columns, or a replay), the key state and the
 * signals; src/tui/top only turns a frame and that state into lines. It draws once per frame and
 * once per key read, and formats only the rows on screen. */
import {render} from 'ink'
import React from 'react'

import {type FrameSource, LiveFrameSource} from '../proc/frame-source.js'
import type {TopFrame} from '../proc/frame.js'
import {ProcSampler, type CpuMode} from '../proc/sampler.js'
import {speedUpInkOutput} from '../tui/ink-fast-output.js'
import {applyKey, decodeKeys, follow, initialTopState, type TopEffect, type TopState} from '../tui/top/keys.js'
import {type SortColumn, type ViewOptions, type ViewRow, viewRows} from '../tui/top/model.js'
import {screenChrome, screenLines, type SourceInfo} from '../tui/top/screen.js'
import {TopScreen} from '../tui/top/top-screen.js'
import {stopSignal} from './stop-signal.js'

const ALTERNATE_SCREEN_ON = '\x1b[?1049h'
const ALTERNATE_SCREEN_OFF = '\x1b[?1049l'

export interface TopLiveOptions {
  intervalS: number
  durationS?: number
  mode: CpuMode
  sort?: SortColumn
  tree?: boolean
  user?: string
  comm?: string
  pids?: readonly number[]
}

/** Runs the view until q / F10 / Ctrl-C (or SIGTERM / SIGHUP); `source` defaults to live /proc. The
 * caller sets NODE_ENV=production and clears CI before this module (Ink, React) loads: see runTop. */
export async function runTopLive(o: TopLiveOptions, source: FrameSource = new LiveFrameSource(new ProcSampler({mode: o.mode}))): Promise<void> {
  const stop = stopSignal(o.durationS)
  const view = new TopView(source, o, () => stop.stop('quit'))
  const stdin = process.stdin
  const onData = (data: Buffer | string) => view.keys(String(data))
  const onResize = () => view.draw()
  await speedUpInkOutput()
  process.stdout.write(ALTERNATE_SCREEN_ON)
  const app = render(<TopScreen lines={[]} width={process.stdout.columns || 80} />, {exitOnCtrlC: false, patchConsole: false})
  view.onLines = (lines, width) => app.rerender(<TopScreen lines={lines} width={width} />)
  try {
    if (stdin.isTTY) stdin.setRawMode(true)
    stdin.setEncoding('utf8')
    stdin.on('data', onData)
    stdin.resume()
    process.stdout.on('resize', onResize)
    view.draw()
    await Promise.race([stop.done, view.run()])
  } finally {
    view.close()
    process.stdout.off('resize', onResize)
    stdin.off('data', onData)
    if (stdin.isTTY) stdin.setRawMode(false)
    stdin.pause()
    app.unmount()
    process.stdout.write(ALTERNATE_SCREEN_OFF)
    stop.dispose()
  }
}

/** The view's state between frames and keys (kept out of React: one render per frame or key). */
export class TopView {
  state: TopState
  onLines: (lines: string[], width: number) => void = () => {}
  private frame: TopFrame | null = null
  private latest: TopFrame | null = null
  private rows: ViewRow[] = []
  private rowsKey: unknown[] = []
  private closed = false
  /** A paused replay waits here for a key. */
  private kick: (() => void) | undefined

  constructor(
    private readonly source: FrameSource,
    private readonly o: TopLiveOptions,
    private readonly quit: () => void,
  ) {
    this.state = initialTopState({sort: o.sort, layout: o.tree ? 'tree' : 'list', intervalS: o.intervalS, cpuView: o.mode})
  }

  async run(): Promise<void> {
    while (!this.closed) {
      if (!this.source.live && this.state.paused) {
        await new Promise<void>((r) => (this.kick = r))
        continue
      }
      const frame = await this.source.next(this.state.intervalS)
      if (this.closed) return
      if (!frame) {
        if (this.source.live) return
        // The recording ended: hold the last frame until the user steps back or quits.
        this.state = {...this.state, paused: true}
        this.draw()
        continue
      }
      // Paused, the live frames go on (CPU% stays measured over one interval) but the screen holds;
      // a replay paused (or stepped) while a frame was on its way keeps the frame it shows.
      this.latest = frame
      if (this.state.paused) continue
      this.frame = frame
      this.draw()
    }
  }

  keys(data: string): void {
    const before = this.state
    for (const key of decodeKeys(data)) {
      const {state, effects} = applyKey(this.state, key, {rows: this.currentRows(), page: this.page(), live: this.source.live, bpfOn: this.frame?.bpf.state === 'on'})
      this.state = state
      for (const e of effects) this.apply(e)
      if (state.quit) {
        this.quit()
        return
      }
    }
    if (before.paused !== this.state.paused) {
      // Resumed: the newest frame at once, not one interval later.
      if (this.source.live) this.frame = this.latest
      this.kick?.()
    }
    this.draw()
  }

  private apply(e: TopEffect): void {
    if (e.type === 'step') {
      const frame = this.source.step?.(e.to)
      if (frame) this.frame = frame
      this.state = {...this.state, paused: true}
      return
    }
    const outcomes = e.targets.map((t) => {
      try {
        return `${t.pid} ${this.source.signal?.(t, e.signal) ?? 'not live'}`
      } catch (error) {
        return `${t.pid} ${(error as Error).message}`
      }
    })
    this.state = {...this.state, message: `${e.signal.slice(3)}: ${outcomes.join(', ')}`, tagged: new Map()}
  }

  private options(): ViewOptions {
    const s = this.state
    return {sort: s.sort, invert: s.invert, layout: s.layout, filter: s.filter, user: this.o.user, comm: this.o.comm, pids: this.o.pids}
  }

  /** The rows of the shown frame, sorted and filtered again only when the frame or a choice changed. */
  private currentRows(): ViewRow[] {
    if (!this.frame) return []
    const s = this.state
    const key = [this.frame, s.sort, s.invert, s.layout, s.filter]
    if (key.some((k, i) => k !== this.rowsKey[i])) {
      this.rows = viewRows(this.frame, this.options())
      this.rowsKey = key
    }
    return this.rows
  }

  private size() {
    return {width: process.stdout.columns || 80, height: process.stdout.rows || 24}
  }

  private info(): SourceInfo {
    return {live: this.source.live, position: this.source.position?.()}
  }

  private page(): number {
    const {width, height} = this.size()
    return screenChrome(this.frame, this.state, width, height, this.info()).page
  }

  draw(): void {
    if (this.closed) return
    const {width, height} = this.size()
    const rows = this.currentRows()
    const info = this.info()
    const chrome = screenChrome(this.frame, this.state, width, height, info)
    this.state = follow(this.state, rows, chrome.page)
    this.onLines(screenLines(this.frame, rows, this.state, width, chrome, info), width)
  }

  close(): void {
    this.closed = true
    this.kick?.()
    this.source.close()
  }
}
