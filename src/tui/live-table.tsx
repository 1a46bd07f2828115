/** The live table every tracer shares: a header, the rows it is handed, a footer. Renders props only. */
import chalk from 'chalk'
import {Box, Text} from 'ink'
import React, {memo} from 'react'

import type {TableFrame, TableRowView} from './frame.js'

export interface LiveTableProps extends TableFrame {
  width: number
  paused: boolean
  filter: string
  editingFilter: boolean
}

/** One row is one Text node holding one string (colours as escape codes): Ink measures, wraps and
 * tokenizes per node on every frame, so eight nodes per row cost eight times as much. Lines come
 * fitted to the width, so nothing wraps. */
const Row = memo(
  function Row({row}: {row: TableRowView}) {
    return <Text>{rowText(row)}</Text>
  },
  (a, b) => a.row.line === b.row.line && a.row.cells.every((c, i) => c.color === b.row.cells[i]?.color),
)

function rowText(row: TableRowView): string {
  if (row.cells.every((c) => !c.color)) return row.line
  return row.cells.map((c) => (c.color ? paint(c.color, c.text) : c.text)).join(' ')
}

function paint(color: string, text: string): string {
  const fn = (chalk as unknown as Record<string, ((t: string) => string) | undefined>)[color]
  return fn ? fn(text) : text
}

function position(p: LiveTableProps): string {
  if (p.total === 0) return p.filter ? 'no rows match' : 'no rows yet'
  const last = p.first + p.rows.length
  const more = p.total - last
  return `${p.first + 1}–${last} of ${p.total}${more > 0 ? ` (+${more} more ↓)` : ''}`
}

export function LiveTable(props: LiveTableProps) {
  const {width} = props
  const scrolled = props.first > 0
  return (
    <Box flexDirection="column" width={width}>
      <Text bold inverse wrap="truncate">
        {props.header.padEnd(width)}
      </Text>
      {props.rows.map((row) => (
        <Row key={row.key} row={row} />
      ))}
      <Text wrap="truncate">
        {/* What the view is doing comes first: a narrow terminal cuts the end of the line. */}
        {props.paused ? <Text color="yellow">PAUSED (p resume) · </Text> : null}
        {scrolled && !props.paused ? <Text color="yellow">SCROLLED (Home follow) · </Text> : null}
        {props.editingFilter ? (
          <Text>filter: {props.filter}█ · </Text>
        ) : props.filter ? (
          <Text>filter “{props.filter}” · </Text>
        ) : null}
        <Text bold>{props.status}</Text>
        {' · '}
        <Text color={props.anyLost ? 'red' : 'green'}>{props.lost}</Text>
        {' · '}
        {position(props)}
        {props.dropped ? <Text dimColor> (oldest {props.dropped} dropped)</Text> : null}
        <Text dimColor>
          {' · '}
          {props.paused ? 'p resume' : 'p pause'} · / filter · {props.hint ? `${props.hint} · ` : ''}↑↓ scroll · q quit
        </Text>
      </Text>
    </Box>
  )
}
