import {sourceCommand} from '../../cli/pprof-source-command.js'

export default sourceCommand('profile', 'CPU profile of a Go program (URL, --seconds) or a running Node process (--pid, --seconds)')
