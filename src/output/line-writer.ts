/** Writes output lines in batches (one write per tick, not per event) and passes the reader's
 * pace back: when the stream's buffer is full it asks the producer to pause and resumes it once the
 * buffer drained, so a slow reader never makes monitor's memory grow. A reader that went away
 * (EPIPE) ends the session instead. */
export interface LineWriterEvents {
  /** The reader is behind: stop producing (records then wait in the kernel's ring). */
  onCongested?: () => void
  /** The reader caught up. */
  onDrained?: () => void
  /** The reader closed the pipe. */
  onClosed?: () => void
}

/** Pending text that is written at once rather than at the end of the tick: a producer delivering
 * batch after batch in one tick (a native queue draining) must meet the reader's pace early. */
const FLUSH_BYTES = 256 * 1024

export class LineWriter {
  private closed = false
  private congested = false
  private pending: string[] = []
  private pendingBytes = 0
  private scheduled = false

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly events: LineWriterEvents = {},
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
      this.closed = true
      this.pending = []
      // Nothing will be written any more: a producer paused for this reader must not wait for a
      // 'drain' that never comes (it would hang the drain at stop).
      if (this.congested) {
        this.congested = false
        this.events.onDrained?.()
      }
      this.events.onClosed?.()
    })
    out.on('drain', () => {
      if (!this.congested) return
      this.congested = false
      this.events.onDrained?.()
    })
  }

  get isClosed(): boolean {
    return this.closed
  }

  line(text: string): void {
    if (this.closed) return
    this.pending.push(text)
    this.pendingBytes += text.length + 1
    if (this.pendingBytes >= FLUSH_BYTES) {
      this.flush()
      return
    }
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
    this.pendingBytes = 0
    if (!this.out.write(chunk) && !this.congested) {
      this.congested = true
      this.events.onCongested?.()
    }
  }

  /** Resolves once everything written so far has reached the OS (or the reader went away). */
  end(): Promise<void> {
    this.flush()
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => resolve()
      this.out.write('', done)
      this.out.once('error', done)
    })
  }
}
