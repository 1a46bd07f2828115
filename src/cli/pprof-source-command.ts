/** The seven source commands (`monitor pprof heap|allocs|profile|…`) differ only in their kind and words. */
import {Args, Flags} from '@oclif/core'

import {BaseCommand} from './base-command.js'
import {outputFlag} from './flags.js'
import {reportFlags} from './pprof-flags.js'

type Kind = 'heap' | 'allocs' | 'profile' | 'goroutine' | 'mutex' | 'block' | 'threadcreate'

const positive = (what: string) =>
  Flags.custom<number>({
    summary: what,
    helpValue: '<s>',
    parse: async (input) => {
      const n = Number(input)
      if (!Number.isFinite(n) || n <= 0) throw new Error(`must be a positive number of seconds, got "${input}"`)
      return n
    },
  })

export function sourceCommand(kind: Kind, summary: string, extraDescription = '') {
  return class PprofSource extends BaseCommand {
    static override summary = summary
    static override description = `From a Go program serving net/http/pprof: GET <url>/debug/pprof/${kind}${kind === 'profile' ? '?seconds=N' : ''}
(a bare host:port works; a URL that already has /debug/pprof/… is used as it is). From a running
Node process: --pid N (no restart, no flags needed on the target).
--save FILE writes the gzipped profile.proto (read it with go tool pprof or monitor pprof top);
without -o nothing else is printed then. Otherwise, on a terminal, the interactive flame graph (keys
as in monitor pprof flame: Enter zooms, / searches, s switches the sample type, i the icicle, q
quits); piped or with -o columns, the top table (as go tool pprof -top prints it); -o json its JSON.${extraDescription}`
    static override examples = [
      `<%= config.bin %> pprof ${kind} http://127.0.0.1:6060`,
      `<%= config.bin %> pprof ${kind} http://127.0.0.1:6060 --save ${kind}.pb.gz`,
      `<%= config.bin %> pprof ${kind} --pid 1234${kind === 'profile' ? ' --seconds 10' : ''}`,
    ]
    static override args = {url: Args.string({description: "A Go program's address (http://host:port)"})}
    static override flags = {
      pid: Flags.integer({summary: 'A running Node process to attach to (instead of a URL)', min: 1}),
      seconds: positive(kind === 'profile' ? 'CPU profile length in seconds (default 30)' : 'Profile the change over this many seconds (Go: a delta profile; Node attach: the sampling time)')(),
      timeout: positive('Give up after this many seconds (default 30, plus --seconds for a CPU profile)')(),
      save: Flags.string({summary: 'Write the gzipped profile.proto to this file', helpValue: '<file>'}),
      output: outputFlag,
      ...reportFlags,
    }

    async run(): Promise<void> {
      const {args, flags} = await this.parse(PprofSource)
      const {runSource} = await import('./pprof-source.js')
      const {reportOptions} = await import('./pprof-flags.js')
      await runSource(kind, args.url, {...reportOptions(flags), pid: flags.pid, seconds: flags.seconds, timeout: flags.timeout, save: flags.save, output: flags.output})
    }
  }
}
