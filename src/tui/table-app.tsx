/** Root of a live table: terminal size, keys, and the frames it is handed. It quits through onQuit;
 * the session that rendered it owns the tracer and the stop signal. */
import {useApp, useInput, useStdout} from 'ink'
import React, {useEffect, useState} from 'react'

import {applyKeys, initialKeyState, keyText} from './keys.js'
import type {TableSource} from './frame.js'
import {LiveTable} from './live-table.js'
import {useFrame} from './use-frame.js'

/** Redraws at most this often (and only when something changed): 5 frames a second reads as live,
 * and costs half of 10 (bench/tui/README.md). Keys and resizes redraw at once. */
const FRAME_MS = 200
/** Header and footer, plus one spare line: a frame as tall as the terminal makes Ink clear the screen. */
const CHROME_LINES = 3

export function TableApp({source, utc, onQuit}: {source: TableSource; utc: boolean; onQuit: () => void}) {
  const {stdout} = useStdout()
  const [size, setSize] = useState({columns: stdout.columns || 80, rows: stdout.rows || 24})
  useEffect(() => {
    const onResize = () => setSize({columns: stdout.columns, rows: stdout.rows})
    stdout.on('resize', onResize)
    return () => void stdout.off('resize', onResize)
  }, [stdout])
  const [keys, setKeys] = useState(initialKeyState)
  const height = Math.max(1, size.rows - CHROME_LINES)
  const frame = useFrame(
    source,
    {width: size.columns, height, filter: keys.filter, scroll: keys.scroll, frozen: keys.paused || keys.scroll > 0, utc, sort: keys.sort, view: keys.view},
    FRAME_MS,
  )
  useInput((input, key) => setKeys((k) => applyKeys(k, keyText(input, key), {page: height, total: frame.total})))
  const {exit} = useApp()
  useEffect(() => {
    if (!keys.quit) return
    exit()
    onQuit()
  }, [keys.quit, onQuit, exit])
  return <LiveTable width={size.columns} {...frame} paused={keys.paused} filter={keys.filter} editingFilter={keys.editing} />
}
