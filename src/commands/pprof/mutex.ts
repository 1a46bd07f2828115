import {sourceCommand} from '../../cli/pprof-source-command.js'

export default sourceCommand('mutex', 'Mutex contention profile of a Go program (needs runtime.SetMutexProfileFraction)')
