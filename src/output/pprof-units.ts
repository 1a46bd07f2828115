/**
 * Numbers as `go tool pprof` prints them (its internal/measurement package): the same unit tables,
 * scaling and rounding, so our `top` table equals go's character for character. Go's fmt rounds
 * the exact binary value half-to-even; JS's toFixed rounds ties up, so ties are decided here.
 */

interface Unit {
  name: string
  aliases: string[]
  factor: number
}
interface UnitType {
  units: Unit[]
  defaultUnit: Unit
}

const unitTypes: UnitType[] = [
  {
    units: [
      {name: 'B', aliases: ['b', 'byte'], factor: 1},
      {name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10},
      {name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20},
      {name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30},
      {name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40},
      {name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50},
    ],
    defaultUnit: {name: 'B', aliases: ['b', 'byte'], factor: 1},
  },
  {
    units: [
      {name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1},
      {name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3},
      {name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6},
      {name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9},
      {name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9},
    ],
    defaultUnit: {name: 's', aliases: [], factor: 1e9},
  },
  {
    units: [
      {name: 'n*GCU', aliases: ['nanogcu'], factor: 1e-9},
      {name: 'u*GCU', aliases: ['microgcu'], factor: 1e-6},
      {name: 'm*GCU', aliases: ['milligcu'], factor: 1e-3},
      {name: 'GCU', aliases: ['gcu'], factor: 1},
      {name: 'k*GCU', aliases: ['kilogcu'], factor: 1e3},
      {name: 'M*GCU', aliases: ['megagcu'], factor: 1e6},
      {name: 'G*GCU', aliases: ['gigagcu'], factor: 1e9},
      {name: 'T*GCU', aliases: ['teragcu'], factor: 1e12},
      {name: 'P*GCU', aliases: ['petagcu'], factor: 1e15},
    ],
    defaultUnit: {name: 'GCU', aliases: [], factor: 1},
  },
]

function sniffUnit(ut: UnitType, unit: string): Unit | undefined {
  let u = unit.toLowerCase()
  if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1)
  return ut.units.find((x) => x.aliases.includes(u))
}

function autoScale(ut: UnitType, value: number): [number, string] | undefined {
  let f = 0
  let name = ''
  for (const u of ut.units) {
    if (u.factor >= f && value / u.factor >= 1) {
      f = u.factor
      name = u.name
    }
  }
  return f === 0 ? undefined : [value / f, name]
}

/** go's measurement.Scale: `value` in `fromUnit` expressed in `toUnit` ("minimum"/"auto": the best fit). */
export function scale(value: number, fromUnit: string, toUnit: string): [number, string] {
  if (value < 0) {
    const [v, u] = scale(-value, fromUnit, toUnit)
    return [-v, u]
  }
  for (const ut of unitTypes) {
    const from = sniffUnit(ut, fromUnit)
    if (!from) continue
    const v = value * from.factor
    if (toUnit === 'minimum' || toUnit === 'auto') {
      const a = autoScale(ut, v)
      return a ?? [v / ut.defaultUnit.factor, ut.defaultUnit.name]
    }
    const to = sniffUnit(ut, toUnit) ?? ut.defaultUnit
    return [v / to.factor, to.name]
  }
  return ['count', 'sample', 'unit', 'minimum', 'auto'].includes(toUnit) ? [value, ''] : [value, toUnit]
}

/** go's measurement.ScaledLabel: "1.50MB", "10ms", "0". */
export function scaledLabel(value: number, fromUnit: string, toUnit: string): string {
  const [v, u] = scale(value, fromUnit, toUnit)
  let sv = goFixed(v, 2)
  if (sv.endsWith('.00')) sv = sv.slice(0, -3)
  if (sv === '0' || sv === '-0') return '0'
  return sv + u
}

/** go's measurement.Percentage: "  100%", "52.17%", "0.42%" (%5.2g below 1%). */
export function percentage(value: number, total: number): string {
  const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%'
  if (ratio >= 1) return `${goFixed(ratio, 2).padStart(5)}%`
  return `${goG2(ratio).padStart(5)}%`
}

/** The exact decimal digits of a finite double: [digits without dot, position of the dot, negative]. */
function exactDigits(x: number): {digits: string; point: number; negative: boolean} {
  const negative = x < 0 || Object.is(x, -0)
  const s = Math.abs(x).toFixed(100) // exact for doubles above ~1e-100, which is all we format
  const dot = s.indexOf('.')
  return {digits: s.slice(0, dot) + s.slice(dot + 1), point: dot, negative}
}

/** Rounds a digit string to `keep` digits half-to-even; returns the digits and whether a carry added one. */
function roundDigits(digits: string, keep: number): {digits: string; carry: boolean} {
  if (keep >= digits.length) return {digits: digits.padEnd(keep, '0'), carry: false}
  if (keep < 0) return {digits: '', carry: false}
  const head = digits.slice(0, keep)
  const rest = digits.slice(keep)
  const first = rest.charCodeAt(0) - 48
  const tail = /[1-9]/.test(rest.slice(1))
  const lastEven = keep === 0 ? true : (head.charCodeAt(keep - 1) - 48) % 2 === 0
  const up = first > 5 || (first === 5 && (tail || !lastEven))
  if (!up) return {digits: head, carry: false}
  const arr = head.split('')
  let i = arr.length - 1
  while (i >= 0) {
    if (arr[i] === '9') {
      arr[i] = '0'
      i--
    } else {
      arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1)
      break
    }
  }
  return i < 0 ? {digits: '1' + arr.join(''), carry: true} : {digits: arr.join(''), carry: false}
}

/** fmt.Sprintf("%.<prec>f", x) as Go prints it. */
export function goFixed(x: number, prec: number): string {
  if (!Number.isFinite(x)) return String(x)
  const {digits, point, negative} = exactDigits(x)
  const r = roundDigits(digits, point + prec)
  const intLen = point + (r.carry ? 1 : 0)
  let int = r.digits.slice(0, intLen).replace(/^0+(?=\d)/, '')
  if (int === '') int = '0'
  const frac = r.digits.slice(intLen)
  return (negative ? '-' : '') + int + (prec > 0 ? '.' + frac : '')
}

/** fmt.Sprintf("%.2g", x) for 0 <= x (the only use: percentages below 1). */
export function goG2(x: number): string {
  if (x === 0) return '0'
  const {digits, point} = exactDigits(x)
  const lead = digits.search(/[1-9]/)
  let exp = point - lead - 1 // decimal exponent of the first significant digit
  const r = roundDigits(digits.slice(lead), 2)
  let sig = r.digits
  if (r.carry) {
    exp++
    sig = sig.slice(0, 2)
  }
  sig = sig.replace(/0+$/, '') || '0'
  if (exp < -4 || exp >= 2) {
    const mant = sig.length > 1 ? `${sig[0]}.${sig.slice(1)}` : sig
    const e = Math.abs(exp)
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`
  }
  if (exp >= 0) {
    const int = sig.slice(0, exp + 1).padEnd(exp + 1, '0')
    const frac = sig.slice(exp + 1)
    return frac ? `${int}.${frac}` : int
  }
  return `0.${'0'.repeat(-exp - 1)}${sig}`
}
