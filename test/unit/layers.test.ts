/** The layer rules (.dependency-cruiser.cjs) hold for src/, and each rule really fires: a copy of
 * src/ with one wrong import per rule must fail with that rule's name. */
import {spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')

function cruise(cwd: string) {
  return spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {cwd, encoding: 'utf8'})
}

describe('layers', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'monitor-layers-'))
  afterAll(() => rmSync(scratch, {recursive: true, force: true}))

  it('src/ follows them', () => {
    const res = cruise(ROOT)
    expect(res.status, res.stdout + res.stderr).toBe(0)
  })

  it('each rule fails a deliberately wrong import', () => {
    for (const f of ['src', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(ROOT, f), join(scratch, f), {recursive: true})
    const wrong: Record<string, [file: string, source: string]> = {
      'tui-renders-only': ['src/tui/wrong.ts', `import {monotonicNowNs} from '../engine/index.js'\nexport const x = monotonicNowNs`],
      'services-not-up': ['src/trace/wrong.ts', `import {LiveTable} from '../tui/live-table.js'\nexport const x = LiveTable`],
      'commands-are-thin': ['src/commands/wrong.ts', `import {BpfObject} from '../engine/index.js'\nexport const x = BpfObject`],
      'cli-not-engine': ['src/cli/wrong.ts', `import {loadNative} from '../engine/native.js'\nexport const x = loadNative`],
      'engine-is-the-bottom': ['src/engine/wrong.ts', `import {execSpec} from '../trace/exec/spec.js'\nexport const x = execSpec`],
      'output-is-formatting': ['src/output/wrong.ts', `import {openTracer} from '../trace/open.js'\nexport const x = openTracer`],
      'only-native-loads-the-addon': ['src/trace/wrong-addon.ts', `import {createRequire} from 'node:module'\nexport const x = createRequire(import.meta.url)('../../build/Release/monitor_engine.node')`],
      'no-cycles': ['src/output/wrong-cycle.ts', `import {y} from './wrong-cycle-2.js'\nexport const x = () => y`],
    }
    writeFileSync(join(scratch, 'src/output/wrong-cycle-2.ts'), `import {x} from './wrong-cycle.js'\nexport const y = () => x`)
    for (const [file, source] of Object.values(wrong)) writeFileSync(join(scratch, file), source)
    const res = cruise(scratch)
    expect(res.status).not.toBe(0)
    const out = res.stdout + res.stderr
    for (const [rule, [file]] of Object.entries(wrong)) {
      expect(out, rule).toMatch(new RegExp(`${rule}: ${file.replace(/\.ts$/, '')}`))
    }
  })
})
