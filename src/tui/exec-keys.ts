/** Keyboard handling of the live `trace exec` table, as a pure reducer. A terminal may deliver
 * several keys in one read ("/curl\r" when pasted or typed fast), so input is taken key by key. */
export interface KeyState {
  paused: boolean
  filter: string
  editing: boolean
  quit: boolean
}

export const initialKeyState: KeyState = {paused: false, filter: '', editing: false, quit: false}

const ENTER = new Set(['\r', '\n'])
const BACKSPACE = new Set(['\x7f', '\b'])
const ESCAPE = '\x1b'
const CTRL_C = '\x03'

export function applyKeys(state: KeyState, input: string): KeyState {
  let s = state
  for (const ch of input) {
    if (ch === CTRL_C) return {...s, quit: true}
    if (s.editing) {
      if (ENTER.has(ch)) s = {...s, editing: false}
      else if (ch === ESCAPE) s = {...s, editing: false, filter: ''}
      else if (BACKSPACE.has(ch)) s = {...s, filter: s.filter.slice(0, -1)}
      else if (ch >= ' ') s = {...s, filter: s.filter + ch}
    } else if (ch === 'q') s = {...s, quit: true}
    else if (ch === 'p' || ch === ' ') s = {...s, paused: !s.paused}
    else if (ch === '/') s = {...s, editing: true, filter: ''}
    else if (ch === ESCAPE) s = {...s, filter: ''}
  }
  return s
}

/** Ink hands special keys as flags with empty input; turn them back into their characters. */
export function keyText(input: string, key: {return?: boolean; escape?: boolean; backspace?: boolean; delete?: boolean; ctrl?: boolean}): string {
  if (key.return) return '\r'
  if (key.escape) return ESCAPE
  if (key.backspace || key.delete) return '\x7f'
  if (key.ctrl && input === 'c') return CTRL_C
  return input
}
