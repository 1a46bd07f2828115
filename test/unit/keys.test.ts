import {describe, expect, it} from 'vitest'

import {applyKeys, initialKeyState, Key, keyText} from '../../src/tui/keys.js'

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
    expect(s).toEqual({...initialKeyState, filter: 'curl'})
    expect(applyKeys(initialKeyState, '/curl\r')).toEqual(s)
  })

  it('q, p and j are text while editing; Esc cancels the filter', () => {
    const s = applyKeys(initialKeyState, '/qpj')
    expect(s).toMatchObject({filter: 'qpj', editing: true, quit: false, paused: false, scroll: 0})
    expect(applyKeys(s, Key.escape)).toMatchObject({filter: '', editing: false})
  })

  it('scrolls within the rows there are, a page at a time, and Home follows again', () => {
    const limits = {page: 10, total: 35}
    let s = applyKeys(initialKeyState, keyText('', {downArrow: true}), limits)
    expect(s.scroll).toBe(1)
    s = applyKeys(s, keyText('', {pageDown: true}), limits)
    expect(s.scroll).toBe(11)
    s = applyKeys(s, keyText('', {end: true}), limits)
    expect(s.scroll).toBe(25)
    s = applyKeys(s, keyText('', {pageDown: true}), limits)
    expect(s.scroll).toBe(25)
    s = applyKeys(s, keyText('', {upArrow: true}), limits)
    expect(s.scroll).toBe(24)
    s = applyKeys(s, keyText('', {home: true}), limits)
    expect(s.scroll).toBe(0)
    expect(applyKeys(initialKeyState, keyText('', {upArrow: true}), limits).scroll).toBe(0)
    expect(applyKeys(initialKeyState, 'jjj', {page: 10, total: 5}).scroll).toBe(0)
  })

  it('quits on q or Ctrl-C', () => {
    expect(applyKeys(initialKeyState, 'q').quit).toBe(true)
    expect(applyKeys(initialKeyState, keyText('c', {ctrl: true})).quit).toBe(true)
    expect(applyKeys(applyKeys(initialKeyState, '/ab'), keyText('c', {ctrl: true})).quit).toBe(true)
  })
})
