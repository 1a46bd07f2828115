/** Signals one process, identified by pid and start time, through a pidfd (the addon's pidfdSignal):
 * a pid that now names another process is refused, never signalled. */
import {constants} from 'node:os'

import {ExitCode, MonitorError} from '../errors.js'
import {loadNative} from './native.js'

/** sent; gone: no such process; reused: the pid names a process with another start time; denied: EPERM. */
export type SignalOutcome = 'sent' | 'gone' | 'reused' | 'denied'

interface PidfdBinding {
  pidfdSignal(pid: number, startTicks: number, signal: number): SignalOutcome
}

/** `startTicks`: field 22 of /proc/PID/stat the caller read (clock ticks after boot). */
export function signalProcess(pid: number, startTicks: number, signal: NodeJS.Signals): SignalOutcome {
  const number = constants.signals[signal]
  if (number === undefined) throw new MonitorError(`unknown signal ${signal}`, {exitCode: ExitCode.usage})
  return (loadNative() as unknown as PidfdBinding).pidfdSignal(pid, startTicks, number)
}
