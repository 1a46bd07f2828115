/** Live table for `trace exec` on a terminal: the tracer feeds a store; the view polls it. */
import {render, useInput, useStdout} from 'ink'
import React, {useCallback, useEffect, useState} from 'react'

import {type Losses, monotonicNowNs} from '../engine/index.js'
import {ExecTracer, type ExecSummary, type ProcessRun, type RunningProcess} from '../trace/exec.js'
import type {ExecSessionOptions} from '../trace/exec-session.js'
import {formatArgv, formatLosses} from '../trace/exec-format.js'
import {stopSignal} from '../trace/session.js'
import {ExecView, type ExecRow} from './exec-view.js'
import {applyKeys, initialKeyState, keyText} from './exec-keys.js'
import {useSnapshot} from './use-snapshot.js'

const KEEP_RUNS = 2000

/** Finished runs (newest last, bounded) plus a view of what is still running. */
class ExecFeed {
  runs = 0
  private recent: ExecRow[] = []
  private seq = 0
  tracer: ExecTracer | undefined
  lost: Losses = {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}

  add(run: ProcessRun): void {
    this.runs++
    this.recent.push({...run, key: `r${this.seq++}`})
    if (this.recent.length > KEEP_RUNS * 2) this.recent = this.recent.slice(-KEEP_RUNS)
  }

  snapshot(filter: string, limit: number) {
    const now = Number(monotonicNowNs())
    const running: ExecRow[] = (this.tracer?.running() ?? []).map((p: RunningProcess) => ({
      ...p,
      exit_code: null,
      signal: null,
      core_dumped: false,
      duration_ns: now - p.start_ns,
      end: 'running' as const,
      key: `p${p.pid}-${p.start_ns}`,
    }))
    const match = (r: ExecRow) => !filter || `${r.comm} ${formatArgv(r.argv, false)}`.includes(filter)
    const rows: ExecRow[] = []
    for (let i = this.recent.length - 1; i >= 0 && rows.length < limit; i--) if (match(this.recent[i])) rows.push(this.recent[i])
    const live = running.filter(match).slice(-Math.floor(limit / 3))
    if (this.tracer) this.lost = this.tracer.losses()
    return {rows: [...live, ...rows].slice(0, limit), runs: this.runs, running: running.length, lost: this.lost}
  }
}

function App({feed, onQuit}: {feed: ExecFeed; onQuit: () => void}) {
  const {stdout} = useStdout()
  const [keys, setKeys] = useState(initialKeyState)
  const [size, setSize] = useState({columns: stdout.columns || 120, rows: stdout.rows || 30})
  useEffect(() => {
    const onResize = () => setSize({columns: stdout.columns, rows: stdout.rows})
    stdout.on('resize', onResize)
    return () => void stdout.off('resize', onResize)
  }, [stdout])
  const limit = Math.max(1, size.rows - 3)
  const read = useCallback(() => feed.snapshot(keys.filter, limit), [feed, keys.filter, limit])
  const snap = useSnapshot(read, 100, keys.paused)
  useInput((input, key) => setKeys((k) => applyKeys(k, keyText(input, key))))
  useEffect(() => {
    if (keys.quit) onQuit()
  }, [keys.quit, onQuit])
  return (
    <ExecView
      rows={snap.rows}
      runs={snap.runs}
      running={snap.running}
      lost={snap.lost}
      paused={keys.paused}
      filter={keys.filter}
      editingFilter={keys.editing}
      width={size.columns}
    />
  )
}

export async function runExecTable(options: ExecSessionOptions): Promise<ExecSummary> {
  const feed = new ExecFeed()
  feed.tracer = ExecTracer.start(options, {onRun: (run) => feed.add(run)})
  const stop = stopSignal(options.durationS)
  process.stdout.write('\x1b[?1049h') // alternate screen: the terminal comes back as it was
  const app = render(<App feed={feed} onQuit={() => stop.stop('quit')} />, {exitOnCtrlC: false, patchConsole: false})
  try {
    await stop.done
  } finally {
    app.unmount()
    process.stdout.write('\x1b[?1049l')
  }
  const summary = await feed.tracer.stop()
  process.stderr.write(`${summary.runs} runs, ${formatLosses(summary.lost)}\n`)
  return summary
}

