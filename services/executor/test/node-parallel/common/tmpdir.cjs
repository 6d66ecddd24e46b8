'use strict';
// fnmesh's stand-in for test/common/tmpdir: a folder in the isolate's in-memory /tmp.
const fs = require('fs');
const path = require('path');

const tmpPath = '/tmp/.tmp.0';

module.exports = {
  path: tmpPath,
  refresh() {
    fs.rmSync(tmpPath, { recursive: true, force: true });
    fs.mkdirSync(tmpPath, { recursive: true });
  },
  resolve: (...parts) => path.resolve(tmpPath, ...parts),
  hasEnoughSpace: () => true,
  fileURL: (...parts) => require('url').pathToFileURL(path.join(tmpPath, ...parts)),
};
