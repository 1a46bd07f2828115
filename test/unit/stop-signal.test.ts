/** How a streaming session ends: --duration (also past setTimeout's 2^31 ms limit), signals, and a
 * second signal while winding down. */
import {afterEach, describe, expect, it, vi} from 'vitest'

import {stopSignal} from '../../src/cli/stop-signal.js'

afterEach(() => {
  vi.useRealTimers()
})

function settled(p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))])
}

describe('stop signal', () => {
  it('ends after the duration, however long (setTimeout alone overflows past 2^31 ms)', async () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout']})
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    const days40 = 40 * 24 * 3600
    const stop = stopSignal(days40)
    try {
      await vi.advanceTimersByTimeAsync(2 ** 31 + 1000)
      expect(await settled(stop.done)).toBe(false)
      await vi.advanceTimersByTimeAsync(days40 * 1000 - 2 ** 31 - 2000)
      expect(await settled(stop.done)).toBe(false)
      await vi.advanceTimersByTimeAsync(1000)
      expect(await stop.done).toBe('duration')
      expect(warnings).not.toContain('TimeoutOverflowWarning')
    } finally {
      stop.dispose()
      process.off('warning', onWarning)
    }
  })

  it('ends on a signal, and a second one while winding down forces the end', async () => {
    const stop = stopSignal()
    try {
      process.emit('SIGTERM', 'SIGTERM')
      expect(await stop.done).toBe('SIGTERM')
      expect(await settled(stop.forced)).toBe(false)
      process.emit('SIGINT', 'SIGINT')
      expect(await stop.forced).toBe('SIGINT')
    } finally {
      stop.dispose()
    }
    expect(process.listenerCount('SIGINT')).toBe(0)
  })

  it('ends from inside (quit key, closed pipe) with its reason', async () => {
    const stop = stopSignal(60)
    stop.stop('quit')
    expect(await stop.done).toBe('quit')
    stop.dispose()
  })
})
