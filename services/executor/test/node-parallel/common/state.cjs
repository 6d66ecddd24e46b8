'use strict';
// What common's helpers expect of one run, read by run.cjs once the test file is done.
class Skip extends Error {}
module.exports = { expectations: [], Skip };
