/** The live progress view on stderr (Ink): bar, ETA, running median per arm. */
import {render} from 'ink'

import type {BenchProgressEvent} from '../bench/bench.js'
import type {Measure} from '../bench/runner.js'
import {median} from '../bench/stats.js'
import {BenchProgressView, type BenchProgressState} from '../tui/bench/progress.js'

export interface BenchProgress {
  update(p: BenchProgressEvent): void
  status(line: string): void
  stop(): Promise<void>
}

export function startLiveProgress(measure: Measure): BenchProgress {
  const started = Date.now()
  const samples = new Map<string, number[]>()
  let state: BenchProgressState = {measure, done: 0, total: 0, etaS: null, arms: [], status: null, benchmark: 0, benchmarks: 1}
  const app = render(<BenchProgressView state={state} />, {stdout: process.stderr, patchConsole: false, exitOnCtrlC: false})
  let lastDraw = 0
  const draw = (force = false) => {
    const now = Date.now()
    if (!force && now - lastDraw < 100) return // ≤ 10 frames/s: redrawing costs CPU the benchmark needs
    lastDraw = now
    app.rerender(<BenchProgressView state={state} />)
  }
  let benchmarkKey = -1
  let benchmarkStart = started
  return {
    update(p: BenchProgressEvent) {
      if (p.benchmark !== benchmarkKey) {
        benchmarkKey = p.benchmark
        benchmarkStart = Date.now()
        samples.clear()
      }
      const label = p.labels[p.arm]
      if (!p.warmup) samples.set(label, [...(samples.get(label) ?? []), p.value])
      const elapsed = (Date.now() - benchmarkStart) / 1000
      state = {
        ...state,
        done: p.done,
        total: p.total,
        benchmark: p.benchmark,
        benchmarks: p.benchmarks,
        etaS: p.done > 0 ? (elapsed / p.done) * (p.total - p.done) : null,
        arms: p.labels.map((l) => {
          const xs = samples.get(l) ?? []
          return {label: l, n: xs.length, median: xs.length > 0 ? median(xs) : null}
        }),
      }
      draw(p.done === p.total)
    },
    status(line: string) {
      state = {...state, status: line}
      draw(true)
    },
    async stop() {
      app.clear()
      app.unmount()
      await app.waitUntilExit()
    },
  }
}
