/** The one place an error becomes what the user sees: `monitor: <one line>` on stderr and an exit
 * code; the stack (and libbpf's log) only with --debug or MONITOR_DEBUG=1. Used by BaseCommand.catch
 * and by bin/run.js for errors raised before a command exists (unknown command). */
import {ExitCode, MonitorError} from '../errors.js'

interface OclifLikeError extends Error {
  oclif?: {exit?: number}
  code?: string
}

export function isDebug(argv: string[] = process.argv): boolean {
  return argv.includes('--debug') || process.env.MONITOR_DEBUG === '1'
}

/** True for oclif's own control-flow exits (help, version, this.exit()). */
export function isExitSignal(error: unknown): boolean {
  return (error as OclifLikeError)?.code === 'EEXIT'
}

/** oclif's parser wraps flag errors as "Parsing --x \n\t<reason>\nSee more help with --help". */
function oneLine(message: string): string {
  return message
    .replace(/\s*See more help with --help\s*$/, '')
    .replace(/^Parsing (--\S+)\s*\n\s*/, '$1: ')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
}

export function describeError(error: unknown, debug: boolean): {message: string; exitCode: number; detail?: string} {
  const e = error as OclifLikeError
  if (error instanceof MonitorError) {
    const usage = error.exitCode === ExitCode.usage ? ' (see --help)' : ''
    return {message: oneLine(error.message) + usage, exitCode: error.exitCode, detail: error.detail}
  }
  if (e?.oclif) {
    return {message: `${oneLine(e.message)} (see --help)`, exitCode: e.oclif.exit && e.oclif.exit !== 1 ? e.oclif.exit : ExitCode.usage}
  }
  const message = e?.message ?? String(error)
  return {message: `internal error: ${message}${debug ? '' : ' (run with --debug for details)'}`, exitCode: ExitCode.failure}
}

/** Prints the error and returns the exit code to use. */
export function reportError(error: unknown, debug = isDebug()): number {
  const {message, exitCode, detail} = describeError(error, debug)
  process.stderr.write(`monitor: ${message}\n`)
  if (debug) {
    if (detail) process.stderr.write(`${detail}\n`)
    const stack = (error as Error)?.stack
    if (stack) process.stderr.write(`${stack}\n`)
  }
  return exitCode
}
