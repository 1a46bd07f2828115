/** The shape every `trace tcp <mode>` command shares: the same flags (filters, output, duration) and
 * one call into the session runner with that mode's tracer. Each command file gives its text. */
import {Flags} from '@oclif/core'

import type {TcpMode} from '../trace/tcp/reducer.js'
import {BaseCommand} from './base-command.js'
import {durationFlag, outputFlag, recordFlag, tcpFilterFlags, utcFlag} from './flags.js'

export interface TcpCommandText {
  summary: string
  description: string
  examples: string[]
}

const FILTERS_HELP = `Filters: --ipv4/--ipv6 and --port are applied in the kernel; --pid, --comm, --laddr, --raddr and
--cgroup match the connection's owner (the process that connected, listened or accepted), which the
kernel side remembers in process context.`

export function tcpCommand(mode: TcpMode, text: TcpCommandText) {
  return class TraceTcp extends BaseCommand {
    static override summary = text.summary
    static override description = `${text.description}\n\n${FILTERS_HELP}`
    static override examples = text.examples
    static override flags = {
      output: outputFlag,
      duration: durationFlag(),
      utc: utcFlag,
      record: recordFlag,
      ...tcpFilterFlags,
      'max-sockets': Flags.integer({summary: 'Sockets the kernel side tracks at once (beyond: counted as lost map_full)', min: 1024, default: 65536}),
    }

    async run(): Promise<void> {
      const {flags} = await this.parse(TraceTcp)
      const {resolveOutput} = await import('../output/mode.js')
      const {runTrace} = await import('./session.js')
      const {TCP_SPECS} = await import('../trace/tcp/spec.js')
      await runTrace(
        TCP_SPECS[mode],
        {
          pid: flags.pid,
          comm: flags.comm,
          port: flags.port,
          laddr: flags.laddr,
          raddr: flags.raddr,
          ipv4: flags.ipv4,
          ipv6: flags.ipv6,
          cgroup: flags.cgroup,
          maxSockets: flags['max-sockets'],
        },
        {output: resolveOutput(flags.output), durationS: flags.duration, utc: flags.utc, record: flags.record},
      )
    }
  }
}
