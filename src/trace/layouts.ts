/** Every record layout the tracers hand from BPF to user space; test/unit/layout.test.ts checks each
 * against the BTF of the objects that export it. Add a tracer's layouts here. */
import type {EnumLayout, StructLayout} from '../engine/layout.js'
import {EXEC_EVENT, EXEC_EVENT_FLAGS, EXEC_EVENT_KIND} from './exec/layout.js'

export const TRACE_LAYOUTS: (StructLayout | EnumLayout)[] = [EXEC_EVENT, EXEC_EVENT_KIND, EXEC_EVENT_FLAGS]
