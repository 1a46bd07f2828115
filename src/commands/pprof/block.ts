import {sourceCommand} from '../../cli/pprof-source-command.js'

export default sourceCommand('block', 'Blocking profile of a Go program (needs runtime.SetBlockProfileRate)')
