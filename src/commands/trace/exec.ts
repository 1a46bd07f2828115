import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {durationFlag, outputFlag, pidFlag, recordFlag, uidFlag, utcFlag} from '../../cli/flags.js'

export default class TraceExec extends BaseCommand {
  static override summary = 'Trace process runs: exec, argv, exit code or signal, duration (execsnoop + exitsnoop)'
  static override description = `One row per process run, from exec to exit; a failed exec is a row with its errno; a process
still running when tracing stops is reported as running. Processes that exec'd before tracing
started are shown only with --all-exits (when they exit), as are forked children that never exec.

JSON (-o json): a {"type":"ready"} object once tracing runs, one {"type":"run"} object per run (with
--starts also a {"type":"start"} object at each exec), then a {"type":"summary"} object.
Run fields: ts, pid, ppid, uid, comm, filename, argv, argv_truncated, exec_errno, exit_code, signal,
core_dumped, duration_ns, end (exit | exec | running | failed), origin (exec | fork | before).`
  static override examples = [
    '<%= config.bin %> trace exec',
    '<%= config.bin %> trace exec -o json --comm curl --duration 10',
    '<%= config.bin %> trace exec --args "--config" --regex',
    '<%= config.bin %> trace exec --pid 1234 -o columns --starts',
    '<%= config.bin %> trace exec --record exec.trace --duration 60',
    '<%= config.bin %> trace exec --cgroup /sys/fs/cgroup/system.slice/nginx.service --all-exits',
  ]
  static override flags = {
    output: outputFlag,
    duration: durationFlag(),
    utc: utcFlag,
    record: recordFlag,
    pid: pidFlag,
    uid: uidFlag,
    comm: Flags.string({summary: 'Only command names containing this (the kernel keeps 15 characters)'}),
    args: Flags.string({summary: 'Only command lines (argv joined by spaces) containing this'}),
    regex: Flags.boolean({summary: 'Treat --comm and --args as regular expressions'}),
    cgroup: Flags.string({summary: 'Only processes in this cgroup v2 directory or below it', helpValue: '<dir>'}),
    'all-exits': Flags.boolean({summary: 'Also report exits of processes that did not exec while tracing (forked children, older processes)'}),
    starts: Flags.boolean({summary: 'Also print a row when each process starts (json and columns output)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(TraceExec)
    const {resolveOutput} = await import('../../output/mode.js')
    const {runTrace} = await import('../../cli/session.js')
    const {execSpec} = await import('../../trace/exec/spec.js')
    await runTrace(
      execSpec,
      {
        pid: flags.pid,
        uid: flags.uid,
        comm: flags.comm,
        args: flags.args,
        regex: flags.regex,
        cgroup: flags.cgroup,
        allExits: flags['all-exits'],
        starts: flags.starts,
      },
      {output: resolveOutput(flags.output), durationS: flags.duration, utc: flags.utc, record: flags.record},
    )
  }
}
