/** Runs the interactive flame graph full screen (alternate screen) until q or Ctrl-C. The trees come
 * from the caller (treeFor), built lazily per sample type and orientation. */
import {render} from 'ink'
import React from 'react'

import type {FlameTree} from '../output/flame-model.js'
import type {ValueType} from '../pprof/stacks.js'
import {FlameApp} from '../tui/flame/flame-app.js'
import {speedUpInkOutput} from '../tui/ink-fast-output.js'

const ALTERNATE_SCREEN_ON = '\x1b[?1049h'
const ALTERNATE_SCREEN_OFF = '\x1b[?1049l'

export interface FlameViewInput {
  title: string
  sampleTypes: readonly ValueType[]
  initialIndex: number
  treeFor: (sampleIndex: number, inverted: boolean) => FlameTree
  /** A differential tree (base in each node): the title and colours say so. */
  diff?: boolean
}

export async function showFlameView(input: FlameViewInput): Promise<void> {
  await speedUpInkOutput()
  process.stdout.write(ALTERNATE_SCREEN_ON)
  let quit: () => void = () => {}
  const done = new Promise<void>((resolve) => (quit = resolve))
  const onSignal = () => quit()
  process.once('SIGTERM', onSignal)
  process.once('SIGHUP', onSignal)
  const title = input.diff && !/diff/i.test(input.title) ? `${input.title} (diff)` : input.title
  const app = render(<FlameApp title={title} sampleTypes={input.sampleTypes} initialIndex={input.initialIndex} treeFor={input.treeFor} onQuit={() => quit()} />, {
    exitOnCtrlC: false,
    patchConsole: false,
  })
  try {
    await Promise.race([done, app.waitUntilExit()])
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
    app.unmount()
    process.stdout.write(ALTERNATE_SCREEN_OFF)
  }
}
