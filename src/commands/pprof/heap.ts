import {sourceCommand} from '../../cli/pprof-source-command.js'

export default sourceCommand('heap', 'Heap profile (in-use and allocated space and objects) of a Go program (URL) or a running Node process (--pid)')
