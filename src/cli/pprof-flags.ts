/** Flags the pprof commands share. */
import {Flags} from '@oclif/core'

export const pprofOutputFlag = Flags.string({
  char: 'o',
  summary: 'Output: columns (the text table, as go tool pprof prints it) or json',
  options: ['columns', 'json'],
})

/** go tool pprof's report options, same names and meaning. */
export const reportFlags = {
  'sample-index': Flags.string({summary: 'Sample type to report, by name (e.g. alloc_space) or number (default: the profile\'s default, else the last)', helpValue: '<type>'}),
  focus: Flags.string({summary: 'Only samples with a frame whose function or file matches this regex (go\'s -focus)', helpValue: '<regex>'}),
  ignore: Flags.string({summary: 'Leave out samples with a frame whose function or file matches this regex (go\'s -ignore)', helpValue: '<regex>'}),
  nodecount: Flags.integer({summary: 'Show at most this many functions (default: all above 0.5% of the total, like go)', min: 1}),
}

export function reportOptions(flags: {'sample-index'?: string; focus?: string; ignore?: string; nodecount?: number}) {
  return {sampleIndex: flags['sample-index'], focus: flags.focus, ignore: flags.ignore, nodeCount: flags.nodecount}
}
