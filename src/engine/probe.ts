/** What this kernel lets the engine do, found by doing it: each hook type is loaded, attached and
 * made to fire (loading alone proves little: a kprobe program loads on kernels that cannot attach
 * it). Used by `monitor doctor`; the probe programs are addon/bpf/doctor.bpf.c. */
import {BpfObject} from './bpf.js'
import {loadNative, nativePath} from './native.js'

export type HookName = 'tracepoint' | 'raw_tp' | 'kprobe' | 'fentry' | 'tp_btf' | 'perf_event' | 'uprobe' | 'ringbuf'
export const HOOK_NAMES: readonly HookName[] = ['tracepoint', 'raw_tp', 'kprobe', 'fentry', 'tp_btf', 'perf_event', 'uprobe', 'ringbuf']

export interface HookResult {
  /** ok: loads, attaches and fires · load_only: loads but cannot attach · unavailable: does not load · error: could not probe */
  status: 'ok' | 'load_only' | 'unavailable' | 'error'
  loads: boolean
  attaches: boolean
  fires: boolean
  detail?: string
}

/** Programs in addon/bpf/doctor.bpf.c and the `hits` slot each increments. */
const PROBES: Record<Exclude<HookName, 'ringbuf'>, {program: string; slot: number}> = {
  tracepoint: {program: 'probe_tracepoint', slot: 0},
  raw_tp: {program: 'probe_raw_tp', slot: 1},
  kprobe: {program: 'probe_kprobe', slot: 2},
  fentry: {program: 'probe_fentry', slot: 3},
  tp_btf: {program: 'probe_tp_btf', slot: 4},
  perf_event: {program: 'probe_perf_event', slot: 5},
  uprobe: {program: 'probe_uprobe', slot: 6},
}

function hitCount(obj: BpfObject, slot: number): number {
  const key = Buffer.alloc(4)
  key.writeUInt32LE(slot)
  const v = obj.map('hits').lookup(key)
  return v ? Number(v.readBigUInt64LE(0)) : 0
}

function spin(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end);
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]
}

export async function probeHook(name: HookName): Promise<HookResult> {
  const program = name === 'ringbuf' ? 'probe_ringbuf' : PROBES[name].program
  const result: HookResult = {status: 'error', loads: false, attaches: false, fires: false}
  let obj: BpfObject | undefined
  try {
    obj = BpfObject.open('doctor', {programs: [program], maxEntries: {events: 4096 * 4}})
    try {
      obj.handle.load()
      result.loads = true
    } catch (error) {
      return {...result, status: 'unavailable', detail: `does not load: ${firstLine(error)}`}
    }
    try {
      await attachAndFire(obj, name, program, result)
    } catch (error) {
      return {...result, status: 'load_only', detail: `loads but does not attach: ${firstLine(error)}`}
    }
    result.status = result.fires ? 'ok' : 'error'
    if (!result.fires) result.detail = 'attached, but the probe never fired'
    return result
  } catch (error) {
    return {...result, status: 'error', detail: firstLine(error)}
  } finally {
    obj?.closeNow()
  }
}

async function attachAndFire(obj: BpfObject, name: HookName, program: string, result: HookResult): Promise<void> {
  const native = loadNative()
  switch (name) {
    case 'kprobe':
      // The facade has no kprobes (monitor never uses them); the raw binding attaches one to see.
      obj.handle.attachKprobe(program, 'do_nanosleep', false)
      result.attaches = true
      return
    case 'perf_event':
      obj.attachPerfEvent(program, {frequency: 1000, pid: process.pid})
      result.attaches = true
      spin(30)
      result.fires = hitCount(obj, PROBES.perf_event.slot) > 0
      return
    case 'uprobe':
      obj.attachUprobe(program, nativePath(), 'monitor_uprobe_probe', {pid: process.pid})
      result.attaches = true
      native.callUprobeProbe(1)
      result.fires = hitCount(obj, PROBES.uprobe.slot) === 1
      return
    case 'ringbuf': {
      obj.attach(program)
      result.attaches = true
      let records = 0
      const stream = obj.stream({onBatch: (_b, n) => (records += n), batchBytes: 64 * 1024, flushMs: 1})
      void process.ppid // getppid(2): fires the tracepoint the probe sits on
      await obj.stopStream(stream)
      result.fires = records > 0
      if (!result.fires && !native.probeRingbuf()) result.detail = 'kernel has no BPF ring buffer (needs 5.8+)'
      return
    }
    default: {
      obj.attach(program)
      result.attaches = true
      // getppid(2) fires the syscall probes; sched_switch (tp_btf) needs a moment off the CPU.
      for (let i = 0; i < 25 && !result.fires; i++) {
        void process.ppid
        result.fires = hitCount(obj, PROBES[name].slot) > 0
        if (!result.fires) await new Promise((r) => setTimeout(r, 20))
      }
    }
  }
}

export interface ProgramNeed {
  program: string
  hook: HookName | 'other'
  /** The tracepoint (`sched/sched_process_exec`) or raw tracepoint a program attaches to. */
  target?: string
}

/** The hooks an embedded object's programs need, read from their section names (no privileges). */
export function objectNeeds(object: string, programs?: readonly string[]): {programs: ProgramNeed[]; ringbuf: boolean} {
  const obj = BpfObject.open(object)
  try {
    const all = obj.handle.programs().filter((p) => !programs || programs.includes(p.name))
    const needs = all.map(({name, section}): ProgramNeed => {
      const [kind, ...rest] = section.split('/')
      const target = rest.join('/') || undefined
      const hook: ProgramNeed['hook'] =
        kind === 'tp' || kind === 'tracepoint' ? 'tracepoint' : kind === 'raw_tp' || kind === 'raw_tracepoint' ? 'raw_tp' : kind === 'perf_event' ? 'perf_event' : kind.startsWith('uprobe') || kind.startsWith('uretprobe') ? 'uprobe' : kind.startsWith('kprobe') || kind.startsWith('kretprobe') ? 'kprobe' : kind === 'fentry' || kind === 'fexit' ? 'fentry' : kind === 'tp_btf' ? 'tp_btf' : 'other'
      return {program: name, hook, target}
    })
    return {programs: needs, ringbuf: obj.handle.maps().some((m) => m.type === 'ringbuf')}
  } finally {
    obj.closeNow()
  }
}

export function libbpfVersion(): string {
  return loadNative().libbpfVersion()
}
