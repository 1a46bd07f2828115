/** The npm package is complete: packed from a copy of the sources (prepack builds the CLI), installed
 * globally into a temporary --prefix from outside the repository (the install step builds the BPF
 * programs and the addon on this kernel), it runs doctor and a trace, and uninstalls without a trace. */
import {execFileSync, spawnSync, type SpawnSyncOptions} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, expect, it} from 'vitest'

import {describeEbpf, ROOT} from '../support/ebpf.js'

const work = mkdtempSync(join(tmpdir(), 'monitor-install-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

// A user's shell, not `npm test`'s: no npm_* settings inherited; the Node running these tests first.
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$|VITEST|NODE_ENV$)/i.test(k))),
  PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
}

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}) {
  const res = spawnSync(cmd, args, {encoding: 'utf8', env, timeout: 240_000, ...options})
  const output = `${cmd} ${args.join(' ')} (exit ${res.status}):\n${res.stdout}${res.stderr}`
  return {status: res.status, stdout: String(res.stdout), stderr: String(res.stderr), output}
}

/** Every file (not directory) under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
}

/** The tracked and new (not ignored) files of the checkout, copied: no build outputs come along. */
function copySources(to: string): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {cwd: ROOT, encoding: 'utf8'})
  for (const file of files.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(to, file)), {recursive: true})
    cpSync(join(ROOT, file), join(to, file))
  }
  symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules')) // the build tools prepack uses
}

describeEbpf('npm package', () => {
  it('packs, installs globally, runs doctor and a trace, uninstalls cleanly', {timeout: 300_000}, () => {
    const src = join(work, 'src')
    const prefix = join(work, 'prefix')
    const elsewhere = join(work, 'elsewhere')
    for (const d of [src, prefix, elsewhere]) mkdirSync(d)
    copySources(src)

    const pack = run('npm', ['pack', '--silent', '--pack-destination', elsewhere], {cwd: src})
    expect(pack.status, pack.output).toBe(0)
    const tarball = readdirSync(elsewhere).find((f) => /^monitor-.*\.tgz$/.test(f))
    expect(tarball, pack.output).toBeDefined()
    const listing = run('tar', ['-tzf', join(elsewhere, tarball!)]).stdout
    for (const f of ['bin/run.js', 'dist/bundle/monitor.cjs', 'oclif.manifest.json', 'binding.gyp', 'addon/Makefile', 'addon/bpf/exec.bpf.c', 'scripts/build-addon.mjs']) {
      expect(listing).toContain(`package/${f}\n`)
    }
    expect(listing).not.toMatch(/\.node\n|addon\/gen\//) // built on the host it is installed on

    const install = run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', `./${tarball}`], {cwd: elsewhere})
    expect(install.status, install.output).toBe(0)
    const monitor = join(prefix, 'bin', 'monitor')
    const installed = join(prefix, 'lib', 'node_modules', 'monitor')

    const help = run(monitor, ['--help'], {cwd: elsewhere})
    expect(help.status, help.output).toBe(0)
    expect(help.stdout).toMatch(/doctor/)

    const doctor = run(monitor, ['doctor', '--json'], {cwd: elsewhere})
    expect(doctor.status, doctor.output).toBe(0)
    expect(JSON.parse(doctor.stdout).engine_ok).toBe(true)

    const trace = run(monitor, ['trace', 'exec', '-o', 'json', '--duration', '1'], {cwd: elsewhere})
    expect(trace.status, trace.output).toBe(0)
    expect(JSON.parse(trace.stdout.trim().split('\n').at(-1)!)).toMatchObject({type: 'summary', lost_total: 0})

    // Without its addon, the installed copy names the command that rebuilds it.
    rmSync(join(installed, 'build', 'Release', 'monitor_engine.node'))
    const unbuilt = run(monitor, ['trace', 'exec', '--duration', '1'], {cwd: elsewhere})
    expect(unbuilt.stderr).toBe('monitor: the native engine is not built: run `npm rebuild -g monitor`\n')
    expect(unbuilt.status).toBe(69)

    const uninstall = run('npm', ['uninstall', '--global', '--prefix', prefix, 'monitor'], {cwd: elsewhere})
    expect(uninstall.status, uninstall.output).toBe(0)
    expect(filesUnder(prefix)).toEqual([])
  })
})
