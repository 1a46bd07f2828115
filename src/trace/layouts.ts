/** The record layouts of every tracer (the layout test checks each against its object's BTF). */
import {TRACERS} from './registry.js'

// Several tracers share one object's layouts (the trace tcp modes): each layout once.
export const TRACE_LAYOUTS = [...new Set(TRACERS.flatMap((t) => t.layouts))]
