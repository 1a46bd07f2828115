/** BPF programs this process holds, found by their fds: each /proc/self/fdinfo entry of a program fd
 * has a `prog_id:` line. Unlike "ids that are new since", this cannot mistake another process's
 * programs (other worktrees' tests share the kernel) for ours. */
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'

export function heldProgramIds(pid: number | 'self' = 'self'): Set<number> {
  const ids = new Set<number>()
  const dir = `/proc/${pid}/fdinfo`
  for (const fd of readdirSync(dir)) {
    let text: string
    try {
      text = readFileSync(`${dir}/${fd}`, 'utf8')
    } catch {
      continue // closed meanwhile
    }
    const m = /^prog_id:\s*(\d+)/m.exec(text)
    if (m) ids.add(Number(m[1]))
  }
  return ids
}

export function openFdCount(pid: number | 'self' = 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

/** Open fds of one kind, by what they link to: 'perf_event', 'bpf_link', 'bpf-prog', 'bpf-map',
 * 'eventpoll', '[eventfd]'… (matched as a substring of the anon inode name). */
export function fdsOf(kind: string, pid: number | 'self' = 'self'): number {
  let n = 0
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).includes(kind)) n++
    } catch {
      // closed meanwhile
    }
  }
  return n
}
