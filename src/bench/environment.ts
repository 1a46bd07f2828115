/** Where a result was measured: enough to see why two stored results differ (another CPU, a
 * loaded machine, a power-saving governor). */
import {readFileSync} from 'node:fs'
import os from 'node:os'

export interface Environment {
  hostname: string
  cpuModel: string
  cores: number
  kernel: string
  platform: string
  node: string
  loadavg: number[]
  /** cpufreq scaling governor of cpu0, when /sys shows one (VMs often have none). */
  governor: string | null
  memoryBytes: number
  ts: string
}

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return null
  }
}

export function environment(): Environment {
  const cpus = os.cpus()
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    kernel: os.release(),
    platform: `${os.platform()}-${os.arch()}`,
    node: process.version,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    governor: readTrimmed('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor'),
    memoryBytes: os.totalmem(),
    ts: new Date().toISOString(),
  }
}
