import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {countFlag, durationFlag, intervalFlag} from '../../cli/flags.js'

export default class Top extends BaseCommand {
  static override summary = 'Processes with CPU% over an interval, memory, state, user, cgroup: a live htop-like view on a terminal, top -b when piped, --once for one snapshot'
  static override description = `Every process, measured between two readings --interval apart (default 1 s): CPU% over that
interval (never a lifetime average; 100% = one core, like htop and top, or all CPUs with
--cpu-mode machine), memory, state, threads, user, cgroup/container and command. /proc is read by
the native engine: each refresh reads only /proc/PID/stat and statm; command lines, names and
cgroups are read once per process.

On a terminal (without --once, -o or --count): the interactive full-screen view, with htop's keys:
P M T N sort by CPU%, memory, TIME+, PID; < > o F6 choose the sort column, I inverts; / filters
(command, user or pid; Esc clears); t tree; g groups by cgroup/container; Space tags, c tags with
children, k sends a signal (TERM default; through a pidfd, so a reused pid is never signalled); p
pauses; + - change the refresh interval by 0.5 s; m switches CPU% between 100% = one core and 100% =
all CPUs; s shows the short-lived processes (eBPF); ? lists every key; q, F10 or Ctrl-C quit.
--interval, --sort, --user, --comm, --pid, --tree and --cpu-mode apply to the view too; --record
records the frames the view reads; --replay plays a recording in the view at its recorded pace (REPLAY
and the frame's time in the header; ← → one frame back / forward, Home End first / last, p play/pause).
--once: one snapshot. Without a terminal (piped), like top -b: a snapshot every interval until
--count, --duration or Ctrl-C.
-o json: one JSON document per snapshot, one per line (type, ts, interval_s, cpu_mode, system,
monitor, processes[]). -o csv: a header, then one line per process (ts first). -o columns (default):
a text screen per snapshot.
Process fields: pid, ppid, user, uid, state, priority, nice, threads, cpu_percent, mem_percent,
rss_bytes, shared_bytes, virt_bytes, cpu_time_s, start_ts, processor, cgroup, container, command, comm.

eBPF columns (on by default as root on a kernel with BTF; --no-bpf turns them off; without root they
are off with a note, never an error), each over the interval:
  tx_bytes_per_s, rx_bytes_per_s  TCP payload bytes the process sent / read per second (as top tcp
                                  counts them: sock_send/recv_length, before Linux 6.3 tcp_probe)
  runq_avg_ns, runq_p99_ns        run-queue latency of its threads (wakeup or preemption → on a CPU),
                                  mean and p99 (log-linear histogram, within 6.25%); null: never waited
  runq_count                      how many times its threads waited
The JSON document also has short_lived[] (processes that started and ended between two refreshes:
pid, ppid, comm, command — argv if it exec'd, else null — uid, exit_code (128+signal if killed),
start_ts, duration_ns) and bpf {state: on|off, note, lost, columns}. monitor's own cpu_percent includes
the run time of its BPF programs when kernel.bpf_stats_enabled is 1.

--record FILE: also writes every snapshot shown into FILE, a monitor trace file (about 1.2 KB a
snapshot of 1,000 mostly idle processes: each holds only what changed, with the whole table every
30 snapshots). Ctrl-C, --count and --duration end the file properly; a recorder that is killed leaves
a file that reads up to its last whole snapshot. --replay FILE: prints the recorded snapshots instead
of reading /proc, exactly as the live run printed them (same ts, same values), in any -o; --count,
--sort, --limit, --pid, --user, --comm and --tree apply. A cut file replays up to the cut (stderr
says where). \`monitor trace report FILE\` says what a recording holds.`
  static override examples = [
    '<%= config.bin %> top',
    '<%= config.bin %> top --tree --user root --interval 2',
    '<%= config.bin %> top --once -o json',
    '<%= config.bin %> top --once --sort mem --limit 10',
    '<%= config.bin %> top --once --tree --user root',
    '<%= config.bin %> top --count 5 --interval 2 -o csv > top.csv',
    '<%= config.bin %> top --once --user root --comm nginx -o json',
    '<%= config.bin %> top --duration 600 --record top.trace -o json > top.json',
    '<%= config.bin %> top --replay top.trace -o json --sort mem --limit 10',
  ]
  static override flags = {
    once: Flags.boolean({summary: 'One snapshot (CPU% over --interval), then exit'}),
    output: Flags.string({char: 'o', summary: 'Output: json (a document per snapshot), csv, columns (text, the default)', options: ['json', 'csv', 'columns']}),
    interval: intervalFlag(),
    count: countFlag,
    duration: durationFlag(),
    sort: Flags.string({summary: 'Order of the rows (default cpu)', options: ['cpu', 'mem', 'pid', 'time']}),
    pid: Flags.integer({summary: 'Only this process (repeat for more)', min: 1, multiple: true}),
    user: Flags.string({summary: 'Only processes of this user (name or uid)'}),
    comm: Flags.string({summary: 'Only processes whose name or command line contains this'}),
    limit: Flags.integer({summary: 'At most this many rows', min: 1}),
    tree: Flags.boolean({summary: 'Rows as the process tree: each after its parent, siblings by --sort'}),
    bpf: Flags.boolean({summary: 'eBPF columns: TCP bytes/s, run-queue latency, short-lived processes (on as root; --no-bpf: off)', allowNo: true, default: true}),
    'cpu-mode': Flags.string({summary: 'CPU% scale: core (100% = one core, default) or machine (100% = all CPUs)', options: ['core', 'machine']}),
    record: Flags.string({summary: 'Also record every snapshot shown into this file (replay it with --replay)', helpValue: '<file>'}),
    replay: Flags.string({
      summary: 'Print the snapshots recorded in this file (--record) instead of reading /proc',
      helpValue: '<file>',
      exclusive: ['record', 'interval', 'cpu-mode'],
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Top)
    const {runTop} = await import('../../cli/top-session.js')
    await runTop({
      once: flags.once,
      output: flags.output as 'json' | 'csv' | 'columns' | undefined,
      intervalS: flags.interval ?? 1,
      count: flags.count,
      durationS: flags.duration,
      mode: (flags['cpu-mode'] ?? 'core') as 'core' | 'machine',
      tree: flags.tree,
      bpf: flags.bpf,
      record: flags.record,
      replay: flags.replay,
      selection: {sort: flags.sort as 'cpu' | 'mem' | 'pid' | 'time' | undefined, pids: flags.pid, user: flags.user, comm: flags.comm, limit: flags.limit},
    })
  }
}
