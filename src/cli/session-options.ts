import type {OutputMode} from '../output/mode.js'

/** How a tracing session runs, from the shared flags. */
export interface SessionOptions {
  output: OutputMode
  /** Seconds to trace; until Ctrl-C when absent. */
  durationS?: number
  /** Times in UTC in text and table output (JSON is always UTC). */
  utc?: boolean
  /** Record the ring's batches into this trace file (src/trace/file). */
  record?: string
}
