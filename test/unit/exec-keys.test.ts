import {describe, expect, it} from 'vitest'

import {applyKeys, initialKeyState, keyText} from '../../src/tui/exec-keys.js'

describe('live table keys', () => {
  it('pauses and resumes', () => {
    const s = applyKeys(initialKeyState, 'p')
    expect(s.paused).toBe(true)
    expect(applyKeys(s, ' ').paused).toBe(false)
  })

  it('edits a filter key by key or from one chunk', () => {
    let s = applyKeys(initialKeyState, '/')
    for (const ch of 'curlx') s = applyKeys(s, ch)
    s = applyKeys(s, keyText('', {backspace: true}))
    s = applyKeys(s, keyText('', {return: true}))
    expect(s).toEqual({paused: false, filter: 'curl', editing: false, quit: false})
    expect(applyKeys(initialKeyState, '/curl\r')).toEqual(s)
  })

  it('q and p are text while editing; Esc cancels the filter', () => {
    const s = applyKeys(initialKeyState, '/qp')
    expect(s).toMatchObject({filter: 'qp', editing: true, quit: false, paused: false})
    expect(applyKeys(s, '\x1b')).toMatchObject({filter: '', editing: false})
  })

  it('quits on q or Ctrl-C', () => {
    expect(applyKeys(initialKeyState, 'q').quit).toBe(true)
    expect(applyKeys(initialKeyState, keyText('c', {ctrl: true})).quit).toBe(true)
    expect(applyKeys(applyKeys(initialKeyState, '/ab'), keyText('c', {ctrl: true})).quit).toBe(true)
  })
})
