/** The live-table mode of a tracing session (loaded only on a terminal, with Ink and React). */
import {render} from 'ink'
import React from 'react'

import {openTracer, type TraceSummary, type Tracer} from '../trace/open.js'
import type {TracerSpec} from '../trace/spec.js'
import {speedUpInkOutput} from '../tui/ink-fast-output.js'
import {TableApp} from '../tui/table-app.js'
import type {SessionOptions} from './session-options.js'
import {finishTracing, stopSignal} from './stop-signal.js'
import {summaryText} from './summary.js'
import {TableModel} from './table-model.js'

const ALTERNATE_SCREEN_ON = '\x1b[?1049h'
const ALTERNATE_SCREEN_OFF = '\x1b[?1049l'

export async function runTable<O, R>(spec: TracerSpec<O, R>, options: O, session: SessionOptions): Promise<void> {
  const stop = stopSignal(session.durationS)
  const started = performance.now()
  let tracer: Tracer<R> | undefined
  let app: ReturnType<typeof render> | undefined
  let summary: TraceSummary
  try {
    let model: TableModel<O, R> | undefined
    const t = (tracer = openTracer(spec, options, (row) => model!.add(row)))
    model = new TableModel(spec, () => t.snapshot(), () => t.version)
    await speedUpInkOutput()
    process.stdout.write(ALTERNATE_SCREEN_ON) // the terminal comes back as it was
    app = render(<TableApp source={model} utc={session.utc ?? false} onQuit={() => stop.stop('quit')} />, {
      exitOnCtrlC: false,
      patchConsole: false,
    })
    summary = await finishTracing(tracer, stop)
  } finally {
    if (app) {
      app.unmount()
      process.stdout.write(ALTERNATE_SCREEN_OFF)
    }
    stop.dispose()
    tracer?.close()
  }
  // After the alternate screen is gone, so the line stays in the terminal.
  process.stderr.write(summaryText(spec, summary, (performance.now() - started) / 1000) + '\n')
}
