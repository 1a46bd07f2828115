/** The live view of an interval tool (loaded only on a terminal, with Ink and React): the shared
 * live table fed by an IntervalModel, a new frame per sample (or key press), nothing in between. */
import {render} from 'ink'
import React from 'react'

import {type IntervalSample, type IntervalSpec, type IntervalSummary, type IntervalTracer, openInterval} from '../trace/interval.js'
import {speedUpInkOutput} from '../tui/ink-fast-output.js'
import {TableApp} from '../tui/table-app.js'
import {IntervalModel} from './interval-model.js'
import {type IntervalSessionOptions, sampleEvery} from './interval-sampling.js'
import {stopSignal} from './stop-signal.js'
import {summaryText} from './summary.js'

const ALTERNATE_SCREEN_ON = '\x1b[?1049h'
const ALTERNATE_SCREEN_OFF = '\x1b[?1049l'

export async function runIntervalTable<O, S extends IntervalSample>(spec: IntervalSpec<O, S>, options: O, session: IntervalSessionOptions): Promise<void> {
  const stop = stopSignal(session.durationS)
  const started = performance.now()
  let tracer: IntervalTracer<S> | undefined
  let app: ReturnType<typeof render> | undefined
  let summary: IntervalSummary
  try {
    tracer = openInterval(spec, options)
    const model = new IntervalModel(spec)
    await speedUpInkOutput()
    process.stdout.write(ALTERNATE_SCREEN_ON) // the terminal comes back as it was
    app = render(<TableApp source={model} utc={session.utc ?? false} onQuit={() => stop.stop('quit')} />, {
      exitOnCtrlC: false,
      patchConsole: false,
    })
    summary = await sampleEvery(tracer, session, stop, (s) => model.update(s))
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
