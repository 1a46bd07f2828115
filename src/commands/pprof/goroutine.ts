import {sourceCommand} from '../../cli/pprof-source-command.js'

export default sourceCommand('goroutine', 'Stacks of all current goroutines of a Go program')
