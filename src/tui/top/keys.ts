/** Keys of the top view (htop's where htop has one), as a pure reducer over the view state. The
 * session applies the effects (signals, replay steps) and hands the state back to the screen. */
import {type Layout, rowOf, sameProcess, type SortColumn, sortChoices, type ViewRow, withDescendants} from './model.js'
import type {ProcessId} from './types.js'

export const SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGSTOP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2'] as const
export type TopSignal = (typeof SIGNALS)[number]

export const MIN_INTERVAL_S = 0.5
const INTERVAL_STEP_S = 0.5

export interface TopState {
  sort: SortColumn
  invert: boolean
  layout: Layout
  filter: string
  editing: boolean
  paused: boolean
  intervalS: number
  /** CPU% scale shown: 100 = one core, or all CPUs. */
  cpuView: 'core' | 'machine'
  shortLived: boolean
  help: boolean
  /** Index into the sort choices while the sort menu is open. */
  sortMenu: number | null
  /** Index into SIGNALS while the kill dialog is open. */
  killMenu: number | null
  /** Row of the selection, and the first row on screen. */
  cursor: number
  top: number
  /** The process at the cursor. */
  selected: ProcessId | null
  /** The cursor stays on `selected` across refreshes (once the user moved it; Home lets go). */
  following: boolean
  tagged: ReadonlyMap<number, string>
  /** One line of feedback (a signal's outcome), until the next key. */
  message: string | null
  quit: boolean
}

export function initialTopState(o: Partial<Pick<TopState, 'sort' | 'layout' | 'intervalS' | 'cpuView'>> = {}): TopState {
  return {
    sort: o.sort ?? 'cpu',
    invert: false,
    layout: o.layout ?? 'list',
    filter: '',
    editing: false,
    paused: false,
    intervalS: Math.max(MIN_INTERVAL_S, o.intervalS ?? 1),
    cpuView: o.cpuView ?? 'core',
    shortLived: true,
    help: false,
    sortMenu: null,
    killMenu: null,
    cursor: 0,
    top: 0,
    selected: null,
    following: false,
    tagged: new Map(),
    message: null,
    quit: false,
  }
}

export interface KeyContext {
  /** The rows on screen now (what the selection moves over). */
  rows: readonly ViewRow[]
  /** Process rows one screen holds. */
  page: number
  /** false: a replay (←/→ and Home/End step frames; no signals). */
  live: boolean
  bpfOn: boolean
}

export type TopEffect = {type: 'signal'; targets: ProcessId[]; signal: TopSignal} | {type: 'step'; to: 'first' | 'last' | -1 | 1}

/** Splits terminal input into keys: escape sequences become names (up, f6, …), the rest characters. */
export function decodeKeys(data: string): string[] {
  const out: string[] = []
  // eslint-disable-next-line no-control-regex
  for (const m of data.matchAll(/\x1b\[[0-9;]*[~A-Za-z]|\x1bO[A-Za-z]|\x1b|[\s\S]/gu)) out.push(SEQUENCES[m[0]] ?? m[0])
  return out
}

const SEQUENCES: Record<string, string> = {
  '\x1b[A': 'up', '\x1b[B': 'down', '\x1b[C': 'right', '\x1b[D': 'left',
  '\x1bOA': 'up', '\x1bOB': 'down', '\x1bOC': 'right', '\x1bOD': 'left',
  '\x1b[5~': 'pgup', '\x1b[6~': 'pgdn',
  '\x1b[H': 'home', '\x1b[1~': 'home', '\x1b[7~': 'home', '\x1bOH': 'home',
  '\x1b[F': 'end', '\x1b[4~': 'end', '\x1b[8~': 'end', '\x1bOF': 'end',
  '\x1bOP': 'f1', '\x1b[11~': 'f1', '\x1bOQ': 'f2', '\x1bOR': 'f3', '\x1b[13~': 'f3', '\x1bOS': 'f4', '\x1b[14~': 'f4',
  '\x1b[15~': 'f5', '\x1b[17~': 'f6', '\x1b[18~': 'f7', '\x1b[19~': 'f8', '\x1b[20~': 'f9', '\x1b[21~': 'f10',
  '\x1b': 'esc', '\r': 'enter', '\n': 'enter', '\x7f': 'backspace', '\b': 'backspace', '\x03': 'ctrl-c', '\t': 'tab',
}

/** Every key, as the help screen lists them. */
export const KEY_HELP: readonly [keys: string, what: string][] = [
  ['↑ ↓ PgUp PgDn Home End', 'move the selection: it then follows its process across refreshes (Home: back to the top)'],
  ['P M T N', 'sort by CPU%, memory, TIME+, PID'],
  ['< >  o F6', 'previous / next sort column; choose the sort column from a list'],
  ['I', 'invert the sort order'],
  ['/ F3 F4', 'filter: substring of command, user or pid (Enter keeps it, Esc clears)'],
  ['t F5', 'tree view: children indented under their parent'],
  ['g', 'group by cgroup / container'],
  ['Space  c  U', 'tag the process (and move down); tag it and its children; untag all'],
  ['k F9', 'send a signal to the tagged processes, or the selected one (TERM default; Enter sends, Esc cancels)'],
  ['p', 'pause: the screen holds while refreshes go on (replay: play / pause)'],
  ['+ -', 'refresh interval ±0.5 s (min 0.5 s)'],
  ['m', 'CPU% scale: 100% = one core (like htop) or all CPUs'],
  ['s', 'show / hide the short-lived processes panel (needs eBPF)'],
  ['← →  Home End', 'replay only: one frame back / forward, first / last frame'],
  ['? F1 h', 'this help (any key closes it)'],
  ['q F10 Ctrl-C', 'quit'],
]

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x))

/** The state with its selection found again in `rows` (new frame, new sort or filter): the same
 * process when it is still there, else whatever is at the old place; the window scrolled to it. */
export function follow(s: TopState, rows: readonly ViewRow[], page: number): TopState {
  let cursor = s.following && s.selected ? rowOf(rows, s.selected) : -1
  if (cursor < 0) cursor = clamp(s.cursor, 0, Math.max(0, rows.length - 1))
  const row = rows[cursor]
  const selected = row?.kind !== 'process' ? null : s.selected?.pid === row.p.pid && sameProcess(s.selected, row.p) ? s.selected : {pid: row.p.pid, start_ts: row.p.start_ts}
  let top = clamp(s.top, 0, Math.max(0, rows.length - page))
  if (cursor < top) top = cursor
  else if (cursor >= top + page) top = cursor - page + 1
  if (cursor === s.cursor && top === s.top && selected === s.selected) return s
  return {...s, cursor, top, selected}
}

function moveTo(s: TopState, cursor: number, ctx: KeyContext): TopState {
  const c = clamp(cursor, 0, Math.max(0, ctx.rows.length - 1))
  const row = ctx.rows[c]
  return follow({...s, cursor: c, following: c > 0, selected: row?.kind === 'process' ? {pid: row.p.pid, start_ts: row.p.start_ts} : null}, ctx.rows, ctx.page)
}

function withSort(s: TopState, sort: SortColumn): TopState {
  return {...s, sort, invert: false, sortMenu: null}
}

function cycleSort(s: TopState, step: number, ctx: KeyContext): TopState {
  const choices = sortChoices(ctx.bpfOn)
  const i = choices.findIndex((c) => c.column === s.sort)
  return withSort(s, choices[(i + step + choices.length) % choices.length].column)
}

/** The processes a signal goes to: the tagged ones, else the selected one. */
export function signalTargets(s: TopState): ProcessId[] {
  if (s.tagged.size) return [...s.tagged].map(([pid, start_ts]) => ({pid, start_ts}))
  return s.selected ? [s.selected] : []
}

export function applyKey(state: TopState, key: string, ctx: KeyContext): {state: TopState; effects: TopEffect[]} {
  const effects: TopEffect[] = []
  let s: TopState = state.message ? {...state, message: null} : state
  if (key === 'ctrl-c') return {state: {...s, quit: true}, effects}
  if (s.help) return {state: {...s, help: false}, effects}
  if (s.editing) {
    if (key === 'enter') s = {...s, editing: false}
    else if (key === 'esc') s = {...s, editing: false, filter: ''}
    else if (key === 'backspace') s = {...s, filter: s.filter.slice(0, -1)}
    else if (key.length === 1 && key >= ' ') s = {...s, filter: s.filter + key}
    return {state: s, effects}
  }
  if (s.sortMenu !== null) {
    const choices = sortChoices(ctx.bpfOn)
    if (key === 'up') s = {...s, sortMenu: (s.sortMenu + choices.length - 1) % choices.length}
    else if (key === 'down') s = {...s, sortMenu: (s.sortMenu + 1) % choices.length}
    else if (key === 'enter') s = withSort(s, choices[s.sortMenu].column)
    else if (key === 'esc' || key === 'q' || key === 'f10') s = {...s, sortMenu: null}
    return {state: s, effects}
  }
  if (s.killMenu !== null) {
    if (key === 'up') s = {...s, killMenu: (s.killMenu + SIGNALS.length - 1) % SIGNALS.length}
    else if (key === 'down') s = {...s, killMenu: (s.killMenu + 1) % SIGNALS.length}
    else if (key >= '1' && key <= String(SIGNALS.length)) s = {...s, killMenu: Number(key) - 1}
    else if (key === 'enter' || key === 'y') {
      const targets = signalTargets(s)
      if (targets.length) effects.push({type: 'signal', targets, signal: SIGNALS[s.killMenu]})
      s = {...s, killMenu: null}
    } else if (key === 'esc' || key === 'n' || key === 'q' || key === 'f10') s = {...s, killMenu: null}
    return {state: s, effects}
  }
  switch (key) {
    case 'q':
    case 'f10':
      return {state: {...s, quit: true}, effects}
    case '?':
    case 'h':
    case 'f1':
      return {state: {...s, help: true}, effects}
    case 'up':
      return {state: moveTo(s, s.cursor - 1, ctx), effects}
    case 'down':
      return {state: moveTo(s, s.cursor + 1, ctx), effects}
    case 'pgup':
      return {state: moveTo({...s, top: s.top - ctx.page}, s.cursor - ctx.page, ctx), effects}
    case 'pgdn':
      return {state: moveTo({...s, top: s.top + ctx.page}, s.cursor + ctx.page, ctx), effects}
    case 'home':
    case 'end':
      if (!ctx.live) effects.push({type: 'step', to: key === 'home' ? 'first' : 'last'})
      else s = moveTo(s, key === 'home' ? 0 : ctx.rows.length - 1, ctx)
      return {state: s, effects}
    case 'left':
    case 'right':
      if (!ctx.live) effects.push({type: 'step', to: key === 'left' ? -1 : 1})
      return {state: s, effects}
    case 'P':
      return {state: withSort(s, 'cpu'), effects}
    case 'M':
      return {state: withSort(s, 'mem'), effects}
    case 'T':
      return {state: withSort(s, 'time'), effects}
    case 'N':
      return {state: withSort(s, 'pid'), effects}
    case 'I':
      return {state: {...s, invert: !s.invert}, effects}
    case '>':
    case '.':
      return {state: cycleSort(s, 1, ctx), effects}
    case '<':
    case ',':
      return {state: cycleSort(s, -1, ctx), effects}
    case 'o':
    case 'f6': {
      const i = sortChoices(ctx.bpfOn).findIndex((c) => c.column === s.sort)
      return {state: {...s, sortMenu: Math.max(0, i)}, effects}
    }
    case '/':
    case 'f3':
    case 'f4':
      return {state: {...s, editing: true, filter: ''}, effects}
    case 'esc':
      return {state: {...s, filter: ''}, effects}
    case 't':
    case 'f5':
      return {state: {...s, layout: s.layout === 'tree' ? 'list' : 'tree'}, effects}
    case 'g':
      return {state: {...s, layout: s.layout === 'group' ? 'list' : 'group'}, effects}
    case 'p':
      return {state: {...s, paused: !s.paused}, effects}
    case '+':
    case '=':
      return {state: {...s, intervalS: s.intervalS + INTERVAL_STEP_S}, effects}
    case '-':
      return {state: {...s, intervalS: Math.max(MIN_INTERVAL_S, s.intervalS - INTERVAL_STEP_S)}, effects}
    case 'm':
      return {state: {...s, cpuView: s.cpuView === 'core' ? 'machine' : 'core'}, effects}
    case 's':
      return {state: {...s, shortLived: !s.shortLived}, effects}
    case ' ': {
      const row = ctx.rows[s.cursor]
      if (row?.kind !== 'process') return {state: moveTo(s, s.cursor + 1, ctx), effects}
      const tagged = new Map(s.tagged)
      if (tagged.has(row.p.pid)) tagged.delete(row.p.pid)
      else tagged.set(row.p.pid, row.p.start_ts)
      return {state: moveTo({...s, tagged}, s.cursor + 1, ctx), effects}
    }
    case 'c': {
      const row = ctx.rows[s.cursor]
      if (row?.kind !== 'process') return {state: s, effects}
      const tagged = new Map(s.tagged)
      for (const p of withDescendants(ctx.rows, row.p)) tagged.set(p.pid, p.start_ts)
      return {state: {...s, tagged}, effects}
    }
    case 'U':
      return {state: {...s, tagged: new Map()}, effects}
    case 'k':
    case 'f9':
      if (!ctx.live) return {state: {...s, message: 'a replay sends no signals'}, effects}
      if (!signalTargets(s).length) return {state: {...s, message: 'no process selected'}, effects}
      return {state: {...s, killMenu: 0}, effects}
  }
  return {state: s, effects}
}
