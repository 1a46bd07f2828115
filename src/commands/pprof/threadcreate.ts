import {sourceCommand} from '../../cli/pprof-source-command.js'

export default sourceCommand('threadcreate', 'Stacks that created OS threads in a Go program')
