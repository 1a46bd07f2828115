/** Format detection and the converters: folded, speedscope, Chrome .cpuprofile, stacks JSON. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {MonitorError} from '../../src/errors.js'
import {encodeProfile} from '../../src/pprof/encode.js'
import {toFolded} from '../../src/pprof/formats/folded.js'
import {toStacksJson} from '../../src/pprof/formats/json.js'
import {toSpeedscope} from '../../src/pprof/formats/speedscope.js'
import {fromStacks} from '../../src/pprof/from-stacks.js'
import {parseProfile} from '../../src/pprof/parse.js'
import {readProfileFile} from '../../src/pprof/read-file.js'
import {topReport} from '../../src/pprof/report.js'
import {stackSource} from '../../src/pprof/stack-source.js'

const dir = mkdtempSync(join(tmpdir(), 'monitor-pprof-formats-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
const text = (s: string) => new TextEncoder().encode(s)

const FOLDED = 'main;serve;parse 30\nmain;serve;write 20\nmain;idle 50\nmain;serve;parse 5\n'

function rows(p: ReturnType<typeof parseProfile>, sampleIndex?: string) {
  return topReport(p, {sampleIndex}).rows.map((r) => `${r.name} ${r.flat} ${r.cum}`)
}

describe('profile formats', () => {
  it('folded stacks: read, and written back summed and sorted', () => {
    const p = parseProfile(text(FOLDED))
    expect(rows(p)).toEqual(['idle 50 50', 'parse 35 35', 'write 20 20', 'main 0 105', 'serve 0 55'])
    expect(toFolded(stackSource(p), 0)).toBe('main;idle 50\nmain;serve;parse 35\nmain;serve;write 20\n')
  })

  it('speedscope: sampled and evented profiles in, sampled out, same stacks', () => {
    const sampled = {
      $schema: 'https://www.speedscope.app/file-format-schema.json',
      shared: {frames: [{name: 'main', file: 'm.js', line: 1}, {name: 'work', file: 'w.js', line: 7}]},
      profiles: [{type: 'sampled', name: 't', unit: 'milliseconds', startValue: 0, endValue: 9, samples: [[0, 1], [0]], weights: [6, 3]}],
    }
    const p = parseProfile(text(JSON.stringify(sampled)))
    expect(p.sampleTypes).toEqual([{type: 'time', unit: 'milliseconds'}])
    expect(rows(p)).toEqual(['work 6 6', 'main 3 9'])
    const back = parseProfile(text(toSpeedscope(stackSource(p), 0, 'x')))
    expect(rows(back)).toEqual(rows(p))

    const evented = {
      shared: {frames: [{name: 'a'}, {name: 'b'}]},
      profiles: [{type: 'evented', unit: 'none', startValue: 0, endValue: 10, events: [
        {type: 'O', frame: 0, at: 0}, {type: 'O', frame: 1, at: 2}, {type: 'C', frame: 1, at: 6}, {type: 'C', frame: 0, at: 10},
      ]}],
    }
    expect(rows(parseProfile(text(JSON.stringify(evented))))).toEqual(['a 6 10', 'b 4 4'])
  })

  it('Chrome .cpuprofile: 1-based lines, sample counts and time per function', () => {
    const cpu = {
      nodes: [
        {id: 1, callFrame: {functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1}, children: [2]},
        {id: 2, callFrame: {functionName: 'main', url: 'file:///app.js', lineNumber: 0, columnNumber: 0}, children: [3]},
        {id: 3, callFrame: {functionName: 'hot', url: 'file:///app.js', lineNumber: 9, columnNumber: 2}},
      ],
      startTime: 1000,
      endTime: 5000,
      samples: [3, 3, 2, 3],
      timeDeltas: [0, 1000, 1000, 1000],
    }
    const p = parseProfile(text(JSON.stringify(cpu)))
    expect(rows(p, 'samples')).toEqual(['hot 3 3', 'main 1 4'])
    const src = stackSource(p)
    const hot = Array.from({length: src.frameCount}, (_, i) => src.frame(i)).find((f) => f.name === 'hot')
    expect(hot).toEqual({name: 'hot', file: '/app.js', line: 10}) // file:// URLs as paths
  })

  it('stacks JSON round-trips through pprof', () => {
    const p = parseProfile(text(FOLDED))
    const json = toStacksJson(stackSource(p), {})
    const q = parseProfile(encodeProfile(parseProfile(text(json))))
    expect(rows(q)).toEqual(rows(p))
  })

  it('a gzipped folded or JSON file is detected too', async () => {
    const {gzipSync} = await import('node:zlib')
    expect(rows(parseProfile(gzipSync(text(FOLDED))))).toEqual(rows(parseProfile(text(FOLDED))))
  })

  it.each([
    ['empty.pb', '', /empty\.pb: empty file/],
    ['garbage.pb', '\x08\xff\xff\xff', /garbage\.pb: not a valid pprof profile/],
    ['bad.json', '{"nodes": 3', /bad\.json: not a profile: invalid JSON/],
    ['other.json', '{"a": 1}', /other\.json: not a profile: JSON/],
    ['words.txt', 'hello there\nno counts here\n', /words\.txt: not a profile: text/],
    ['badfolded.txt', 'a;b 3\nc;d x\n', /line 2 does not end with a count/],
  ])('%s → one-line MonitorError naming the file', async (name, content, message) => {
    const file = join(dir, name)
    writeFileSync(file, Buffer.from(content, 'latin1'))
    const error = await readProfileFile(file).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(MonitorError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('\n')
  })

  it('a missing file is a usage error', async () => {
    await expect(readProfileFile(join(dir, 'nope'))).rejects.toThrow(/nope: no such file/)
  })

  it('fromStacks keeps every sample value (no frame, no stack lost)', () => {
    const p = fromStacks({sampleTypes: [{type: 's', unit: 'count'}], frames: [{name: 'x', file: '', line: 0}], samples: [{stack: [], values: [4]}, {stack: [0], values: [6]}]})
    expect(topReport(p).total).toBe(10)
  })
})
