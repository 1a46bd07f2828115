/** Every tracer, for what needs them all: `doctor` (what each command needs from the kernel) and the
 * layout test (every record struct an object exports has a TS layout). */
import {execSpec} from './exec/spec.js'
import type {TracerSpec} from './spec.js'
import {TCP_SPECS} from './tcp/spec.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of tracers of any row type
export const TRACERS: readonly TracerSpec<any, any>[] = [execSpec, ...Object.values(TCP_SPECS)]
