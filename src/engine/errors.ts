/** The engine's typed errors. Arguments are checked in TS and fail with one of these before any
 * native code runs; what the kernel refuses comes back through explainNativeError. */
import {ExitCode, MonitorError} from '../errors.js'
import {missingCapabilities} from './host.js'
import type {NativeError} from './native.js'

/** A `.rodata` config value the object cannot take: unknown name, wrong type, out of range. */
export class ConfigError extends MonitorError {
  readonly variable: string
  constructor(variable: string, message: string) {
    super(message, {exitCode: ExitCode.usage})
    this.name = 'ConfigError'
    this.variable = variable
  }
}

/** A map used in a way its type or sizes do not allow (wrong key size, delete on an array…). */
export class MapError extends MonitorError {
  readonly map: string
  constructor(map: string, message: string, options: {cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'MapError'
    this.map = map
  }
}

/** A ring buffer stream failed while running (its drain thread, or the onBatch callback). */
export class StreamError extends MonitorError {
  readonly errno?: number
  constructor(message: string, options: {errno?: number; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'StreamError'
    this.errno = options.errno
  }
}

/** Turns an addon error into the one line a user can act on. */
export function explainNativeError(error: unknown, context: string): MonitorError {
  const e = error as NativeError
  const detail = e.libbpfLog?.trim() || undefined
  switch (e.code) {
    case 'EPERM':
    case 'EACCES':
      // With the capabilities in hand, the verifier or kernel lockdown said no, not the user's rights.
      if (missingCapabilities().length === 0) {
        return new MonitorError(`${context}: the kernel refused it (${e.message}); --debug shows libbpf's log`, {
          exitCode: ExitCode.unavailable,
          detail,
          cause: error,
        })
      }
      return new MonitorError(`${context}: permission denied: run monitor as root`, {
        exitCode: ExitCode.noPermission,
        detail,
        cause: error,
      })
    case 'ENOENT':
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
      return new MonitorError(`${context}: this kernel lacks the hook (${e.message})`, {
        exitCode: ExitCode.unavailable,
        detail,
        cause: error,
      })
    default:
      return new MonitorError(`${context}: ${e.message}`, {detail, cause: error})
  }
}
