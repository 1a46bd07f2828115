/** The pprof commands that read files: top, diff, convert (tree, peek, list in pprof-views.ts). */
import {writeFile} from 'node:fs/promises'

// Each command imports what only it needs lazily: `top`, the one to be fast, loads the least.
import {ExitCode, MonitorError} from '../errors.js'
import {formatTopTable, topJson} from '../output/pprof-top.js'
import {readProfileFile} from '../pprof/read-file.js'
import type {ReportOptions} from '../pprof/report.js'
import {sampleIndexOf, topReport} from '../pprof/report.js'

export interface TableFlags extends ReportOptions {
  output?: string
}

function printReport(report: ReturnType<typeof topReport>, output: string | undefined): void {
  if (output === 'json') process.stdout.write(JSON.stringify(topJson(report)) + '\n')
  else process.stdout.write(formatTopTable(report))
}

export async function runTop(file: string, flags: TableFlags): Promise<void> {
  const profile = await readProfileFile(file)
  printReport(topReport(profile, flags), flags.output)
}

export async function runDiff(base: string, next: string, flags: TableFlags): Promise<void> {
  const {diffProfiles} = await import('../pprof/diff.js')
  const [b, n] = await Promise.all([readProfileFile(base), readProfileFile(next)])
  printReport(topReport(diffProfiles(b, n), flags), flags.output)
}

export type ConvertTarget = 'pprof' | 'folded' | 'speedscope' | 'json' | 'html' | 'svg'

export async function runConvert(file: string, options: {to: ConvertTarget; outputFile?: string; sampleIndex?: string}): Promise<void> {
  const profile = await readProfileFile(file)
  if (options.to === 'html' || options.to === 'svg') {
    const {writeFlameFile} = await import('./pprof-flame.js')
    return writeFlameFile({profile, title: file.slice(file.lastIndexOf('/') + 1), sampleIndex: options.sampleIndex, to: options.to}, options.outputFile)
  }
  const {encodeProfile} = await import('../pprof/encode.js')
  const {stackSource} = await import('../pprof/stack-source.js')
  const {toFolded} = await import('../pprof/formats/folded.js')
  const {toStacksJson} = await import('../pprof/formats/json.js')
  const {toSpeedscope} = await import('../pprof/formats/speedscope.js')
  let out: Uint8Array | string
  if (options.to === 'pprof') out = encodeProfile(profile)
  else {
    const source = stackSource(profile)
    const index = sampleIndexOf(profile, options.sampleIndex)
    if (options.to === 'folded') out = toFolded(source, index)
    else if (options.to === 'speedscope') out = toSpeedscope(source, index, file.slice(file.lastIndexOf('/') + 1))
    else
      out = toStacksJson(source, {
        periodType: profile.periodType,
        period: profile.period || undefined,
        timeNanos: profile.timeNanos || undefined,
        durationNanos: profile.durationNanos || undefined,
      })
  }
  if (options.outputFile) {
    try {
      await writeFile(options.outputFile, out)
    } catch (error) {
      throw new MonitorError(`${options.outputFile}: ${(error as Error).message}`, {exitCode: ExitCode.failure})
    }
    return
  }
  if (options.to === 'pprof' && process.stdout.isTTY) throw new MonitorError('--to pprof writes binary: give -O FILE or redirect stdout', {exitCode: ExitCode.usage})
  await new Promise<void>((resolve, reject) => process.stdout.write(out, (e) => (e ? reject(e) : resolve())))
}

export async function runTree(file: string, flags: TableFlags & {peek?: string}): Promise<void> {
  const {treeReport} = await import('../pprof/report.js')
  const {formatTree} = await import('../output/pprof-tree.js')
  const profile = await readProfileFile(file)
  const report = treeReport(profile, flags)
  if (flags.output === 'json') process.stdout.write(JSON.stringify({type: report.sampleType.type, unit: report.sampleType.unit, total: report.total, functions: report.entries}) + '\n')
  else process.stdout.write(formatTree(report))
}

export async function runList(file: string, pattern: string, flags: TableFlags): Promise<void> {
  const {listReport} = await import('../pprof/list.js')
  const {formatList} = await import('../output/pprof-list.js')
  const {readFile} = await import('node:fs/promises')
  const profile = await readProfileFile(file)
  const report = listReport(profile, pattern, flags)
  if (flags.output === 'json') {
    process.stdout.write(JSON.stringify({type: report.sampleType.type, unit: report.sampleType.unit, total: report.total, functions: report.functions}) + '\n')
    return
  }
  const sources = new Map<string, string[] | undefined>()
  for (const f of report.functions) {
    if (!f.file || sources.has(f.file)) continue
    sources.set(f.file, await readFile(f.file, 'utf8').then((t) => t.split('\n'), () => undefined))
  }
  process.stdout.write(formatList(report, sources))
}
