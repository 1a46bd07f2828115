/** The record and map layouts of every tracer and interval tool (the layout test checks each
 * against its object's BTF); tools sharing an object share its layouts, listed once. */
import {INTERVAL_TOOLS} from './interval-registry.js'
import {TRACERS} from './registry.js'

export const TRACE_LAYOUTS = [...new Set([...TRACERS, ...INTERVAL_TOOLS].flatMap((t) => t.layouts))]
