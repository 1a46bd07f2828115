import {constants} from 'node:os'

const names = new Map<number, string>()
for (const [name, num] of Object.entries(constants.signals)) if (!names.has(num)) names.set(num, name)

/** SIGTERM for 15; SIG42 for a real-time signal without a name. */
export function signalName(signal: number): string {
  return names.get(signal) ?? `SIG${signal}`
}

/** Splits a wait status into exit code or terminating signal (see wait(2)). */
export function decodeWaitStatus(status: number): {exit_code: number | null; signal: string | null; core_dumped: boolean} {
  const sig = status & 0x7f
  if (sig === 0) return {exit_code: (status >> 8) & 0xff, signal: null, core_dumped: false}
  return {exit_code: null, signal: signalName(sig), core_dumped: (status & 0x80) !== 0}
}
