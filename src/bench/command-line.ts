/** How a benchmark command is started. A command with shell syntax (pipes, quotes, variables,
 * globs, redirections …) runs through `sh -c`; plain words are executed directly. hyperfine always
 * uses a shell and subtracts its measured start-up; subtracting an estimate adds its noise to every
 * sample, and a ratio of two arms started the same way needs no correction, so monitor avoids the
 * shell where it can and keeps it (unsubtracted, the same in both arms) where it must. */
const SHELL_SYNTAX = /[|&;<>()$`\\"'*?[\]#~={}\n]/

export interface Argv {
  file: string
  args: string[]
  shell: boolean
}

export function commandArgv(command: string): Argv {
  const trimmed = command.trim()
  if (SHELL_SYNTAX.test(trimmed)) return {file: 'sh', args: ['-c', trimmed], shell: true}
  const [file, ...args] = trimmed.split(/\s+/)
  return {file, args, shell: false}
}

/** Node arms under cachegrind: V8's background compiler and GC threads make the instruction count
 * vary ~14% run to run; `--single-threaded --predictable` makes it repeat within 0.001%. NODE_OPTIONS
 * refuses these flags, so they are put on the command line of a command that starts with node. */
export const NODE_DETERMINISTIC = ['--single-threaded', '--predictable']

export function isNodeCommand(argv: Argv): boolean {
  const first = argv.shell ? argv.args[1].trim().split(/\s+/)[0] : argv.file
  return /(^|\/)node$/.test(first)
}

export function withNodeFlags(argv: Argv): Argv {
  if (!isNodeCommand(argv)) return argv
  if (!argv.shell) return {...argv, args: [...NODE_DETERMINISTIC, ...argv.args]}
  const script = argv.args[1].trim().replace(/^(\S+)/, `$1 ${NODE_DETERMINISTIC.join(' ')}`)
  return {...argv, args: ['-c', script]}
}
