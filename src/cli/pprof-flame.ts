/** The flame graph of a profile (or of the difference of two): the interactive view on a terminal,
 * or a self-contained HTML / SVG file. */
import {writeFile} from 'node:fs/promises'

import {ExitCode, MonitorError} from '../errors.js'
import {flameHtml} from '../output/flame-html.js'
import type {FlameTree} from '../output/flame-model.js'
import {flameSvg} from '../output/flame-svg.js'
import {diffFlameTree, flameTree} from '../pprof/flame-tree.js'
import type {Profile} from '../pprof/profile.js'
import {sampleIndexOf} from '../pprof/report.js'
import {stackSource} from '../pprof/stack-source.js'
import {prepareInk} from './ink-env.js'
import type {StackSource} from '../pprof/stacks.js'

export interface FlameInput {
  profile: Profile
  /** A differential flame graph: the base profile (values = profile − base, colours by the change). */
  base?: Profile
  title: string
  sampleIndex?: string
}

/** The trees of one profile (or a diff), built per sample type and orientation when first asked for. */
function trees(input: FlameInput): {src: StackSource; index: number; treeFor: (i: number, inverted: boolean) => FlameTree} {
  const src = stackSource(input.profile)
  const base = input.base ? stackSource(input.base) : undefined
  if (base && base.sampleTypes.map((t) => t.type).join() !== src.sampleTypes.map((t) => t.type).join())
    throw new MonitorError('the two profiles have different sample types: compare profiles of the same kind', {exitCode: ExitCode.dataError})
  const index = sampleIndexOf(input.profile, input.sampleIndex)
  const cache = new Map<string, FlameTree>()
  const treeFor = (i: number, inverted: boolean) => {
    const key = `${i} ${inverted}`
    let tree = cache.get(key)
    if (!tree) {
      tree = base ? diffFlameTree(base, src, i, {inverted}) : flameTree(src, i, {inverted})
      cache.set(key, tree)
    }
    return tree
  }
  return {src, index, treeFor}
}

/** The interactive flame graph, full screen, until q. */
export async function viewFlame(input: FlameInput): Promise<void> {
  const {src, index, treeFor} = trees(input)
  prepareInk()
  const {showFlameView} = await import('./flame-view.js')
  await showFlameView({title: input.title, sampleTypes: src.sampleTypes, initialIndex: index, treeFor, diff: input.base !== undefined})
}

/** A flame graph file: one self-contained HTML page (click to zoom, search) or a static SVG. */
export async function writeFlameFile(input: FlameInput & {to: 'html' | 'svg'; inverted?: boolean}, path: string | undefined): Promise<void> {
  const {index, treeFor} = trees(input)
  const tree = treeFor(index, input.inverted ?? false)
  const text = input.to === 'html' ? flameHtml(tree, {title: input.title}) : flameSvg(tree, {title: input.title})
  if (!path) {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())))
    return
  }
  try {
    await writeFile(path, text)
  } catch (error) {
    throw new MonitorError(`${path}: ${(error as Error).message}`, {exitCode: ExitCode.failure})
  }
}

/** `monitor pprof flame FILE [--base BASE] [--to html|svg]`. */
export async function runFlame(
  file: string,
  o: {base?: string; sampleIndex?: string; to?: 'html' | 'svg'; inverted?: boolean; outputFile?: string},
  isTTY = Boolean(process.stdout.isTTY),
): Promise<void> {
  const {readProfileFile} = await import('../pprof/read-file.js')
  const [profile, base] = await Promise.all([readProfileFile(file), o.base === undefined ? undefined : readProfileFile(o.base)])
  const name = (p: string) => p.slice(p.lastIndexOf('/') + 1)
  const input: FlameInput = {profile, base, title: base ? `${name(file)} − ${name(o.base!)}` : name(file), sampleIndex: o.sampleIndex}
  if (o.to) return writeFlameFile({...input, to: o.to, inverted: o.inverted}, o.outputFile)
  if (o.outputFile || o.inverted) throw new MonitorError('-O and --inverted go with --to html|svg (the view switches to the icicle with i)', {exitCode: ExitCode.usage})
  if (!isTTY) throw new MonitorError('the flame graph view needs a terminal: use --to html|svg for a file, or monitor pprof top', {exitCode: ExitCode.usage})
  await viewFlame(input)
}
