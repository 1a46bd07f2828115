import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {durationFlag, outputFlag, pidFlag, uidFlag} from '../../cli/flags.js'

export default class TraceExec extends BaseCommand {
  static override summary = 'Trace process runs: exec, argv, exit code or signal, duration (execsnoop + exitsnoop)'
  static override description = `One row per process run, from exec to exit. Processes that exec'd before tracing started are not shown.
JSON fields (one object per run, then a summary): type, ts, pid, ppid, uid, comm, argv, argv_truncated,
exit_code, signal, core_dumped, duration_ns, end (exit | exec | running).`
  static override examples = [
    '<%= config.bin %> trace exec',
    '<%= config.bin %> trace exec -o json --comm curl --duration 10',
    '<%= config.bin %> trace exec --pid 1234 -o columns',
  ]
  static override flags = {
    output: outputFlag,
    duration: durationFlag(),
    pid: pidFlag,
    uid: uidFlag,
    comm: Flags.string({summary: 'Only this command name (exact; the kernel keeps 15 characters)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(TraceExec)
    const {resolveOutput} = await import('../../trace/output.js')
    const {runExecSession} = await import('../../trace/exec-session.js')
    await runExecSession({
      output: resolveOutput(flags.output),
      durationS: flags.duration,
      pid: flags.pid,
      uid: flags.uid,
      comm: flags.comm,
    })
  }
}
