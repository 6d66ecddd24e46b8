'use strict';
// fnmesh's stand-in for test/common/fixtures: the fixture files a test names are packed with it
// under test/fixtures/ and read through the isolate's read-only /var/task.
const fs = require('fs');
const path = require('path');

const fixturesDir = '/var/task/test/fixtures';

function fixturePath(...parts) {
  return path.join(fixturesDir, ...parts);
}

module.exports = {
  fixturesDir,
  path: fixturePath,
  fileURL: (...parts) => require('url').pathToFileURL(fixturePath(...parts)),
  readSync: (parts, encoding) => fs.readFileSync(fixturePath(...[].concat(parts)), encoding),
  readKey: () => { throw new Error("fnmesh's fixtures shim has no keys"); },
};
