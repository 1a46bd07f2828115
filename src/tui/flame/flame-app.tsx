/** The interactive flame graph: keys → state (state.ts) → lines (screen.ts), one Text per line.
 * It renders the trees it is handed (treeFor builds one per sample type and orientation) and does
 * no I/O; the caller ends the app when onQuit is called. */
import {Box, Text, useInput, useStdout} from 'ink'
import React, {memo, useEffect, useMemo, useRef, useState} from 'react'

import type {FlameTree} from '../../output/flame-model.js'
import {flameScreen} from './screen.js'
import {applyFlameKey, type FlameKey, type FlameViewState, initialFlameState, reselect} from './state.js'

export interface FlameAppProps {
  title: string
  sampleTypes: readonly {type: string; unit: string}[]
  initialIndex: number
  treeFor: (sampleIndex: number, inverted: boolean) => FlameTree
  onQuit: () => void
  /** Fixed size (tests); the terminal's, following resizes, when absent. */
  width?: number
  height?: number
}

const CONTROL: Record<string, FlameKey> = {
  '\r': {type: 'enter'},
  '\n': {type: 'enter'},
  '\x1b': {type: 'escape'},
  '\x7f': {type: 'backspace'},
  '\b': {type: 'backspace'},
  '\t': {type: 'tab'},
  '\x03': {type: 'ctrlC'},
}

const Line = memo(function Line({text}: {text: string}) {
  return <Text wrap="truncate">{text}</Text>
})

export function FlameApp(props: FlameAppProps) {
  const size = useTerminalSize(props.width, props.height)
  const [state, setState] = useState<FlameViewState>(() => initialFlameState(props.initialIndex))
  const trees = useRef(new Map<string, FlameTree>())
  const treeOf = (index: number, inverted: boolean) => {
    const key = `${index} ${inverted}`
    let t = trees.current.get(key)
    if (!t) {
      t = props.treeFor(index, inverted)
      trees.current.set(key, t)
    }
    return t
  }
  const tree = treeOf(state.sampleIndex, state.inverted)
  const screen = useMemo(
    () => flameScreen({title: props.title, tree, state, width: size.width, height: size.height, sampleTypes: props.sampleTypes}),
    [tree, state, size.width, size.height, props.title, props.sampleTypes],
  )
  useEffect(() => {
    if (state.quit) props.onQuit()
  }, [state.quit])

  useInput((input, key) => {
    const keys: FlameKey[] = []
    if (key.ctrl && input === 'c') keys.push({type: 'ctrlC'})
    else if (key.upArrow) keys.push({type: 'up'})
    else if (key.downArrow) keys.push({type: 'down'})
    else if (key.leftArrow) keys.push({type: 'left'})
    else if (key.rightArrow) keys.push({type: 'right'})
    else if (key.return) keys.push({type: 'enter'})
    else if (key.escape) keys.push({type: 'escape'})
    else if (key.backspace || key.delete) keys.push({type: 'backspace'})
    else if (key.tab) keys.push({type: 'tab'})
    else if (key.home) keys.push({type: 'home'})
    // Keys typed fast or pasted arrive in one read ("/parse\r"): take them one by one.
    else for (const ch of input) keys.push(CONTROL[ch] ?? {type: 'char', ch})
    setState((s) => {
      let next = s
      let t = treeOf(s.sampleIndex, s.inverted)
      for (const k of keys) {
        const sc = t === tree && next === state ? screen : flameScreen({title: props.title, tree: t, state: next, width: size.width, height: size.height, sampleTypes: props.sampleTypes})
        next = applyFlameKey(next, k, {tree: t, rowsByDepth: sc.rowsByDepth, sampleTypeCount: props.sampleTypes.length})
        const nt = treeOf(next.sampleIndex, next.inverted)
        if (nt !== t) {
          next = reselect(next, t, nt)
          t = nt
        }
      }
      return next
    })
  })

  return (
    <Box flexDirection="column" width={size.width} height={size.height}>
      {screen.lines.map((text, i) => (
        <Line key={i} text={text} />
      ))}
    </Box>
  )
}

function useTerminalSize(width?: number, height?: number): {width: number; height: number} {
  const {stdout} = useStdout()
  // One row short of the terminal: Ink clears the whole screen on every frame as tall as the terminal.
  const read = () => ({width: width ?? (stdout.columns || 80), height: height ?? Math.max(4, (stdout.rows || 24) - 1)})
  const [size, setSize] = useState(read)
  useEffect(() => {
    if (width !== undefined && height !== undefined) return
    const onResize = () => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout, width, height])
  return size
}
