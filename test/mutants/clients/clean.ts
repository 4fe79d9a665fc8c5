/**
 * Control, not a mutant: the fixed store following the scenario's policy, with no defect. It must
 * pass every scenario the client mutants run under (test/e2e/mutants.test.ts checks it does).
 */
import { storeMutant } from './store-mutant.ts';

export default storeMutant();
