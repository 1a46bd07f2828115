/** Formatting every command shares: durations, bytes, times, losses. Pure functions of their input. */

/** 1.23s, 45.6ms, 789us — three significant figures; '-' when unknown. ASCII (us, not µs): see CLIPPED
 * in columns.ts. */
export function formatDuration(ns: number | null): string {
  if (ns === null) return '-'
  if (ns >= 1e9) {
    const s = ns / 1e9
    if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    if (s >= 100) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`
    return `${s.toFixed(s >= 10 ? 1 : 2)}s`
  }
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : ns >= 1e7 ? 1 : 2)}ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : ns >= 1e4 ? 1 : 2)}us`
  return `${Math.round(ns)}ns`
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** 512B, 1.5KiB, 23.4MiB — binary units, three significant figures. */
export function formatBytes(bytes: number): string {
  let v = bytes
  let unit = 0
  while (Math.abs(v) >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024
    unit++
  }
  if (unit === 0) return `${Math.round(v)}B`
  return `${v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)}${BYTE_UNITS[unit]}`
}

/** 1.2k, 34.5M — counts in a narrow column. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n)
  const units = ['k', 'M', 'G', 'T']
  let v = n
  let i = -1
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)}${units[i]}`
}

/** `1.2.3.4:80` or `[::1]:80`. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}

/** ISO 8601 UTC with microseconds, e.g. 2026-11-25T10:58:00.123456Z — the JSON form of every `ts`. */
export function isoFromEpochUs(epochUs: number): string {
  const ms = Math.floor(epochUs / 1000)
  const micros = epochUs - ms * 1000
  const second = Math.floor(ms / 1000)
  // A tracer writes thousands of these a second: the date and time up to the second come from the
  // previous call's Date when they are the same (a Date and toISOString per record cost ~0.3 µs).
  if (second !== isoSecond) {
    isoSecond = second
    const iso = new Date(second * 1000).toISOString()
    isoPrefix = iso.length === 24 ? iso.slice(0, 20) : '' // YYYY-MM-DDTHH:MM:SS. (a 6-digit year: no cache)
  }
  const fraction = `${micros < 10 ? '00' : micros < 100 ? '0' : ''}${micros}Z`
  if (!isoPrefix) return `${new Date(ms).toISOString().slice(0, -1)}${fraction}`
  return `${isoPrefix}${three(ms - second * 1000)}${fraction}`
}
let isoSecond = NaN
let isoPrefix = ''

const two = (n: number) => (n < 10 ? `0${n}` : String(n))
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n))

/** Time of day for tables: HH:MM:SS.mmm in local time, or in UTC with `utc`. */
export function formatClock(epochUs: number, utc = false): string {
  const d = new Date(Math.floor(epochUs / 1000))
  return utc
    ? `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${three(d.getUTCMilliseconds())}`
    : `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${three(d.getMilliseconds())}`
}

/** The loss counters of a run (an object of counts), in the order and with the names the JSON uses. */
export function totalLost(lost: object): number {
  let n = 0
  for (const v of Object.values(lost)) n += v as number
  return n
}

/** "lost 0" or "lost 12 (ringbuf_reserve 10, output 2)". */
export function formatLosses(lost: object): string {
  const parts = (Object.entries(lost) as [string, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
  return parts.length ? `lost ${totalLost(lost)} (${parts.join(', ')})` : 'lost 0'
}

/** "1 run", "3 runs": a count with its noun. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`
}
