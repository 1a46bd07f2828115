import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Show what this kernel allows: BTF, privileges, tracefs, which hooks attach, which commands run'
  static override description =
    'Every hook type is probed by a real attach (loading alone proves little: a kprobe program loads on kernels that cannot attach it). Each command is checked against the hooks and tracepoints its own programs use. Exits non-zero when the engine cannot run here.'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json']
  static override flags = {
    json: Flags.boolean({summary: 'Print one JSON document'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor)
    const {runDoctor} = await import('../doctor/doctor.js')
    const report = await runDoctor()
    if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    else process.stdout.write((await import('../output/doctor.js')).formatDoctor(report))
    if (!report.engine_ok) this.exit(1)
  }
}
