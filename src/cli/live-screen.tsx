/** The live table on the terminal's alternate screen (Ink and React are loaded only with it). */
import {render} from 'ink'
import React from 'react'

import type {TableSource} from '../tui/frame.js'
import {speedUpInkOutput} from '../tui/ink-fast-output.js'
import {TableApp} from '../tui/table-app.js'

const ALTERNATE_SCREEN_ON = '\x1b[?1049h'
const ALTERNATE_SCREEN_OFF = '\x1b[?1049l'

/** Draws `source` until the returned function takes the view down; the terminal then comes back as
 * it was, so a summary written after it stays on screen. */
export async function showLiveTable(source: TableSource, utc: boolean, onQuit: () => void): Promise<() => void> {
  await speedUpInkOutput()
  process.stdout.write(ALTERNATE_SCREEN_ON)
  const app = render(<TableApp source={source} utc={utc} onQuit={onQuit} />, {exitOnCtrlC: false, patchConsole: false})
  return () => {
    app.unmount()
    process.stdout.write(ALTERNATE_SCREEN_OFF)
  }
}
