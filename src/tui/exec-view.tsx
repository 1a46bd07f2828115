/** The live `trace exec` table: renders props only. */
import {Box, Text} from 'ink'
import React, {memo} from 'react'

import type {Losses} from '../engine/index.js'
import {formatArgv, formatEnd, formatLosses} from '../trace/exec-format.js'
import type {ProcessRun} from '../trace/exec.js'
import {formatDuration} from '../trace/output.js'

export interface ExecRow extends ProcessRun {
  key: string
}

export interface ExecViewProps {
  rows: ExecRow[]
  runs: number
  running: number
  lost: Losses
  paused: boolean
  filter: string
  editingFilter: boolean
  width: number
}

const Row = memo(function Row({row, width}: {row: ExecRow; width: number}) {
  const end = formatEnd(row)
  const color = row.end === 'running' ? 'cyan' : row.signal ? 'red' : row.exit_code ? 'yellow' : undefined
  const head =
    `${row.ts.slice(11, 23)} ${String(row.pid).padStart(7)} ${String(row.ppid).padStart(7)} ` +
    `${String(row.uid).padStart(5)} ${row.comm.padEnd(15)} `
  const args = formatArgv(row.argv, row.argv_truncated)
  const rest = ` ${formatDuration(row.duration_ns).padStart(8)} `
  const room = Math.max(0, width - head.length - 9 - rest.length)
  return (
    <Text wrap="truncate">
      {head}
      <Text color={color}>{end.padStart(9)}</Text>
      {rest}
      {args.length > room ? args.slice(0, Math.max(0, room - 1)) + '…' : args}
    </Text>
  )
})

export function ExecView(props: ExecViewProps) {
  const {rows, width} = props
  return (
    <Box flexDirection="column" width={width}>
      <Text bold inverse wrap="truncate">
        {'TIME            PID    PPID   UID COMM                 EXIT DURATION ARGS'.padEnd(width)}
      </Text>
      {rows.map((row) => (
        <Row key={row.key} row={row} width={width} />
      ))}
      <Text wrap="truncate">
        <Text bold>{props.runs}</Text> runs · <Text bold>{props.running}</Text> running ·{' '}
        <Text color={Object.values(props.lost).some((n) => n > 0) ? 'red' : 'green'}>{formatLosses(props.lost)}</Text>
        {props.paused ? <Text color="yellow"> · PAUSED</Text> : null}
        {props.editingFilter ? (
          <Text> · filter: {props.filter}█</Text>
        ) : props.filter ? (
          <Text> · filter “{props.filter}”</Text>
        ) : null}
        <Text dimColor> · p pause · / filter · q quit</Text>
      </Text>
    </Box>
  )
}
