/** Output conventions shared by every command: NDJSON for streams (`-o json`), aligned columns when
 * stdout is not a terminal, a live table when it is. */
import {ExitCode, MonitorError} from '../errors.js'

export type OutputMode = 'table' | 'json' | 'columns'

export function resolveOutput(requested: string | undefined, isTTY = Boolean(process.stdout.isTTY)): OutputMode {
  if (requested === 'json' || requested === 'columns' || requested === 'table') {
    if (requested === 'table' && !isTTY)
      throw new MonitorError('-o table needs a terminal: use -o columns or -o json when piping', {exitCode: ExitCode.usage})
    return requested
  }
  return isTTY ? 'table' : 'columns'
}

/** Writes lines to stdout with backpressure ignored but EPIPE (reader went away) turned into a stop. */
export class LineWriter {
  private closed = false
  private pending: string[] = []
  private scheduled = false

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly onClosed: () => void = () => undefined,
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') {
        this.closed = true
        this.onClosed()
      }
    })
  }

  /** Lines are joined and written once per tick: one write syscall per batch, not per event. */
  line(text: string): void {
    if (this.closed) return
    this.pending.push(text)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
  }

  flush(): void {
    this.scheduled = false
    if (this.closed || this.pending.length === 0) return
    const chunk = this.pending.join('\n') + '\n'
    this.pending = []
    this.out.write(chunk)
  }

  /** Resolves once everything written so far has reached the OS. */
  end(): Promise<void> {
    this.flush()
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => this.out.write('', () => resolve()))
  }
}

export interface Column<T> {
  header: string
  width: number
  align?: 'left' | 'right'
  value: (row: T) => string
}

export function formatRow<T>(columns: Column<T>[], row: T): string {
  return columns
    .map((c, i) => {
      const v = c.value(row)
      if (i === columns.length - 1) return v
      return c.align === 'right' ? v.padStart(c.width) : v.padEnd(c.width)
    })
    .join(' ')
}

export function formatHeader<T>(columns: Column<T>[]): string {
  return columns
    .map((c, i) => (i === columns.length - 1 ? c.header : c.align === 'right' ? c.header.padStart(c.width) : c.header.padEnd(c.width)))
    .join(' ')
}

/** 1.23s, 45.6ms, 789µs — three significant figures. */
export function formatDuration(ns: number | null): string {
  if (ns === null) return '-'
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(ns >= 1e11 ? 0 : 2)}s`
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 1)}ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(0)}µs`
  return `${ns}ns`
}
