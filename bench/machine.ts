// Benches print the machine with every table; the implementation is shared
// with the CLI's results.json.
export { machineInfo, machineLine, type MachineInfo } from '../src/util/machine.js';
