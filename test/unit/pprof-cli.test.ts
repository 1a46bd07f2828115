/** The source commands' errors and output modes without Go: a local HTTP server plays the endpoint. */
import {type ChildProcess, spawn} from 'node:child_process'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {showMode} from '../../src/cli/pprof-show.js'
import {encodeProfile} from '../../src/pprof/encode.js'
import {profileUrl} from '../../src/pprof/fetch.js'
import {fromStacks} from '../../src/pprof/from-stacks.js'
import {startCli} from '../support/cli.js'

const sleepers: ChildProcess[] = []
/** A process that is not Node, for --pid (it must be refused without a signal). */
function sleeper(): ChildProcess {
  const s = spawn('sleep', ['60'], {stdio: 'ignore'})
  sleepers.push(s)
  return s
}
afterAll(() => {
  for (const s of sleepers) s.kill('SIGKILL')
})

let server: Server
let base = ''
const profile = encodeProfile(
  fromStacks({
    sampleTypes: [{type: 'inuse_space', unit: 'bytes'}],
    frames: [
      {name: 'main.alloc', file: 'm.go', line: 3},
      {name: 'main.main', file: 'm.go', line: 9},
    ],
    samples: [{stack: [0, 1], values: [3 << 20]}],
  }),
)

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/debug/pprof/heap') res.end(profile)
    else if (req.url?.startsWith('/slow/')) {
      // Never answers: the client's --timeout must end it.
    } else if (req.url === '/html/debug/pprof/heap') res.end('<html>not a profile</html>')
    else {
      res.statusCode = 500
      res.end('profile duration exceeds server\'s WriteTimeout\nsecond line')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

/** Runs the CLI without blocking this process (the server above must keep answering). */
async function cli(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  const c = startCli(args)
  const code = await c.exited
  return {code, stdout: c.stdout, stderr: c.stderr}
}

describe('monitor pprof <kind> <url>', () => {
  it('fetches and prints the top table (piped), or JSON', async () => {
    const text = await cli(['pprof', 'heap', base])
    expect(text.stderr).toBe('')
    expect(text.stdout).toMatch(/Showing nodes accounting for 3MB, 100% of 3MB total/)
    expect(text.stdout).toMatch(/^\s+3MB\s+100%\s+100%\s+3MB\s+100%\s+main\.alloc$/m)
    const json = await cli(['pprof', 'heap', base, '-o', 'json'])
    const doc = JSON.parse(json.stdout) as {unit: string; rows: {name: string; flat: number; cum_pct: number}[]}
    expect(doc.unit).toBe('bytes')
    expect(doc.rows[0]).toMatchObject({name: 'main.alloc', flat: 3 << 20, cum_pct: 100})
  })

  it.each([
    ['HTTP error, with the first line of the answer', () => ['pprof', 'heap', `${base}/fail/debug/pprof/heap`], /HTTP 500 Internal Server Error: profile duration exceeds server's WriteTimeout$/],
    ['not a profile', () => ['pprof', 'heap', `${base}/html/debug/pprof/heap`], /did not return a pprof profile/],
    ['timeout', () => ['pprof', 'heap', `${base}/slow/debug/pprof/heap`, '--timeout', '1'], /no complete answer within 1 s \(--timeout\)/],
    ['no target', () => ['pprof', 'heap'], /needs a target: a Go program's URL .* or a Node process .*--pid/],
    ['both URL and --pid', () => ['pprof', 'heap', base, '--pid', '1'], /either a URL or --pid/],
    ['--pid of a process that is not Node', () => ['pprof', 'profile', '--pid', String(sleeper().pid)], /is not Node\.js: not attaching/],
    ['not a URL', () => ['pprof', 'heap', 'http://exa mple'], /not a URL/],
  ])('%s → one line, non-zero exit', async (_name, args, message) => {
    const r = await cli(args())
    expect(r.code).not.toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr.trim()).toMatch(message)
  })

  it('endpoint URLs', () => {
    expect(profileUrl('127.0.0.1:6060', 'heap').toString()).toBe('http://127.0.0.1:6060/debug/pprof/heap')
    expect(profileUrl('http://h:1/base/', 'allocs').toString()).toBe('http://h:1/base/debug/pprof/allocs')
    expect(profileUrl('http://h:1/debug/pprof/', 'profile', 5).toString()).toBe('http://h:1/debug/pprof/profile?seconds=5')
    expect(profileUrl('http://h:1/debug/pprof/heap?gc=1', 'heap').toString()).toBe('http://h:1/debug/pprof/heap?gc=1')
  })

  it('output mode: the viewer hook on a terminal, the table when piped', () => {
    expect(showMode(undefined, true)).toBe('view')
    expect(showMode(undefined, false)).toBe('columns')
    expect(showMode('json', true)).toBe('json')
    expect(() => showMode('table', false)).toThrow(/needs a terminal/)
  })
})
