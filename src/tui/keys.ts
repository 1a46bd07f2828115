/** Keyboard handling of every live table, as a pure reducer. A terminal may deliver several keys
 * in one read ("/curl\r" when pasted or typed fast), so input is taken key by key. */
export interface KeyState {
  paused: boolean
  filter: string
  editing: boolean
  quit: boolean
  /** Rows scrolled away from the top (newest); 0 follows new rows. */
  scroll: number
  /** Sort key steps taken with < and > (views with sort keys take it modulo their count). */
  sort: number
  /** Tab presses: views with several tables show table `view` modulo their count. */
  view: number
}

export const initialKeyState: KeyState = {paused: false, filter: '', editing: false, quit: false, scroll: 0, sort: 0, view: 0}

/** Keys that are not text arrive from Ink as flags; they are mapped to these private codes. */
export const Key = {
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  backspace: '\x7f',
  ctrlC: '\x03',
  up: '\u{F0001}',
  down: '\u{F0002}',
  pageUp: '\u{F0003}',
  pageDown: '\u{F0004}',
  home: '\u{F0005}',
  end: '\u{F0006}',
} as const

export interface ScrollLimits {
  /** Rows on one screen. */
  page: number
  /** Rows there are. */
  total: number
}

function scrolled(s: KeyState, to: number, limits: ScrollLimits): KeyState {
  const max = Math.max(0, limits.total - limits.page)
  return {...s, scroll: Math.max(0, Math.min(max, to))}
}

export function applyKeys(state: KeyState, input: string, limits: ScrollLimits = {page: 1, total: 0}): KeyState {
  let s = state
  for (const ch of input) {
    if (ch === Key.ctrlC) return {...s, quit: true}
    if (s.editing) {
      if (ch === Key.enter || ch === '\n') s = {...s, editing: false}
      else if (ch === Key.escape) s = {...s, editing: false, filter: ''}
      else if (ch === Key.backspace || ch === '\b') s = {...s, filter: s.filter.slice(0, -1)}
      else if (ch >= ' ' && ch < '\u{F0000}') s = {...s, filter: s.filter + ch, scroll: 0}
      continue
    }
    switch (ch) {
      case 'q':
        return {...s, quit: true}
      case 'p':
      case ' ':
        s = {...s, paused: !s.paused}
        break
      case '/':
        s = {...s, editing: true, filter: ''}
        break
      case Key.escape:
        s = {...s, filter: ''}
        break
      case '>':
      case 's':
        s = {...s, sort: s.sort + 1, scroll: 0}
        break
      case '<':
        s = {...s, sort: s.sort - 1, scroll: 0}
        break
      case Key.tab:
        s = {...s, view: s.view + 1, scroll: 0}
        break
      case Key.up:
      case 'k':
        s = scrolled(s, s.scroll - 1, limits)
        break
      case Key.down:
      case 'j':
        s = scrolled(s, s.scroll + 1, limits)
        break
      case Key.pageUp:
        s = scrolled(s, s.scroll - limits.page, limits)
        break
      case Key.pageDown:
        s = scrolled(s, s.scroll + limits.page, limits)
        break
      case Key.home:
      case 'g':
        s = {...s, scroll: 0}
        break
      case Key.end:
      case 'G':
        s = scrolled(s, limits.total, limits)
        break
    }
  }
  return s
}

/** Ink hands special keys as flags with empty input; turn them into the codes above. */
export function keyText(
  input: string,
  key: {return?: boolean; escape?: boolean; tab?: boolean; backspace?: boolean; delete?: boolean; ctrl?: boolean; upArrow?: boolean; downArrow?: boolean; pageUp?: boolean; pageDown?: boolean; home?: boolean; end?: boolean},
): string {
  if (key.return) return Key.enter
  if (key.tab) return Key.tab
  if (key.escape) return Key.escape
  if (key.backspace || key.delete) return Key.backspace
  if (key.ctrl && input === 'c') return Key.ctrlC
  if (key.upArrow) return Key.up
  if (key.downArrow) return Key.down
  if (key.pageUp) return Key.pageUp
  if (key.pageDown) return Key.pageDown
  if (key.home) return Key.home
  if (key.end) return Key.end
  return input
}
