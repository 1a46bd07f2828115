import {sourceCommand} from '../../cli/pprof-source-command.js'

export default sourceCommand('allocs', 'Allocation profile (all allocations since start, allocated space first) of a Go program')
