/** The record layouts of every tracer (the layout test checks each against its object's BTF). */
import {TRACERS} from './registry.js'

export const TRACE_LAYOUTS = TRACERS.flatMap((t) => t.layouts)
