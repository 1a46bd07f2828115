/** Live progress of `monitor bench`: a bar, the ETA and each arm's running median. Renders only
 * what it is handed. */
import {Box, Text} from 'ink'

import {formatDuration} from '../../output/format.js'

export interface BenchProgressState {
  measure: 'time' | 'instructions'
  done: number
  total: number
  etaS: number | null
  benchmark: number
  benchmarks: number
  arms: {label: string; n: number; median: number | null}[]
  status: string | null
}

const BAR_WIDTH = 30

export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
}

function value(measure: BenchProgressState['measure'], v: number | null): string {
  if (v === null) return '-'
  return measure === 'time' ? formatDuration(v) : `${(v / 1e6).toFixed(3)}M instr`
}

export function BenchProgressView({state}: {state: BenchProgressState}) {
  const eta = state.etaS === null ? '' : ` ETA ${formatDuration(state.etaS * 1e9)}`
  const which = state.benchmarks > 1 ? ` benchmark ${state.benchmark + 1}/${state.benchmarks}` : ''
  return (
    <Box flexDirection="column">
      {state.status ? <Text dimColor>{state.status}</Text> : null}
      <Text>
        {progressBar(state.done, state.total)} {state.done}/{state.total}
        {which}
        {eta}
      </Text>
      {state.arms.map((arm) => (
        <Text key={arm.label}>
          {'  '}
          {arm.label.length > 50 ? `${arm.label.slice(0, 49)}…` : arm.label}: median {value(state.measure, arm.median)} (n={arm.n})
        </Text>
      ))}
    </Box>
  )
}
