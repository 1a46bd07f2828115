/** The top view: the lines it is handed, one Text node per line (Ink measures and tokenizes per
 * node, so a line per node is the cheapest), each redrawn only when its text changed. */
import {Box, Text} from 'ink'
import React, {memo} from 'react'

const Line = memo(function Line({text}: {text: string}) {
  return <Text wrap="truncate">{text}</Text>
})

export function TopScreen({lines, width}: {lines: readonly string[]; width: number}) {
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((text, i) => (
        <Line key={i} text={text} />
      ))}
    </Box>
  )
}
