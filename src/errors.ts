/** Exit codes follow sysexits(3) where one fits, so scripts can tell "fix your flags" from "fix the host". */
export const ExitCode = {
  failure: 1,
  usage: 2,
  dataError: 65,
  unavailable: 69,
  noPermission: 77,
  /** Stopped by a second Ctrl-C before the session could finish (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const

/** An error meant for the user: one line saying what is wrong and how to fix it. */
export class MonitorError extends Error {
  readonly exitCode: number
  readonly detail?: string

  constructor(message: string, options: {exitCode?: number; detail?: string; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'MonitorError'
    this.exitCode = options.exitCode ?? ExitCode.failure
    this.detail = options.detail
  }
}
