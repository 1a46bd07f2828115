/** scripts/install-node.sh (run by setup.sh) installs a supported Node when the machine's is missing
 * or too old — for real, from the npm registry, but into a temporary prefix and with a fake old
 * `node -v` on PATH, so this machine's own Node is never touched. */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {ROOT} from '../support/ebpf.js'

const work = mkdtempSync(join(tmpdir(), 'monitor-install-node-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

// Node 18 as far as `node -v` is concerned; anything else (npm itself) runs on the real Node.
const fakeBin = join(work, 'fake-bin')
mkdirSync(fakeBin)
writeFileSync(join(fakeBin, 'node'), `#!/bin/sh\ncase "$1" in -v|--version) echo v18.19.0; exit 0;; esac\nexec ${process.execPath} "$@"\n`, {mode: 0o755})
const basePath = `${fakeBin}:${process.env.PATH}`
// A user's shell: no npm_* settings from the npm that started the tests (npm_config_prefix …).
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)))

function installNode(prefix: string, path: string) {
  return spawnSync('bash', [`${ROOT}scripts/install-node.sh`, prefix], {encoding: 'utf8', env: {...userEnv, PATH: path}, timeout: 240_000})
}

describe('install-node.sh', () => {
  it('leaves a new enough Node alone', () => {
    const prefix = join(work, 'untouched')
    const res = installNode(prefix, process.env.PATH!)
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toBe('')
    expect(existsSync(prefix)).toBe(false)
  })

  it('replaces Node 18 with Node 24 and npm under the prefix, then has nothing left to do', {timeout: 300_000}, () => {
    const prefix = join(work, 'prefix')
    const machineNode = spawnSync('node', ['-v'], {encoding: 'utf8'}).stdout
    const res = installNode(prefix, basePath)
    expect(res.status, res.stdout + res.stderr).toBe(0)
    expect(res.stdout).toMatch(/found Node 18; monitor needs >= 20: installing Node 24/)

    const node = spawnSync(join(prefix, 'bin', 'node'), ['-p', 'process.versions.node'], {encoding: 'utf8'})
    expect(node.stdout).toMatch(/^24\./)
    // node-gyp builds the addon against these headers (found beside the node binary).
    expect(existsSync(join(prefix, 'include', 'node', 'node_api.h'))).toBe(true)
    const withPrefix = `${join(prefix, 'bin')}:${basePath}`
    const npm = spawnSync('npm', ['-v'], {encoding: 'utf8', env: {...userEnv, PATH: withPrefix}})
    expect(npm.status, npm.stderr).toBe(0)
    expect(npm.stdout).toMatch(/^\d+\.\d+\.\d+/)
    expect(spawnSync('npm', ['prefix', '-g'], {encoding: 'utf8', env: {...userEnv, PATH: withPrefix}}).stdout.trim()).toBe(prefix)

    // Once the new Node is on PATH, running it again changes nothing.
    const again = installNode(prefix, withPrefix)
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toBe('')
    expect(spawnSync('node', ['-v'], {encoding: 'utf8'}).stdout).toBe(machineNode)
  })
})
