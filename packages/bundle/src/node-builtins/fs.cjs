// node:fs: Lambda's file system as a function sees it, in the isolate's memory — the function's
// package read-only at /var/task (the files its build embedded: fnmesh:package-files) and a
// writable /tmp, per isolate (it survives warm invocations, as Lambda's /tmp does), limited in
// size. Nothing else exists (ENOENT), and nothing reaches the host's disk. Synchronous, callback
// and promise forms over one synchronous core, with Node's error codes and messages.
const { Buffer } = require("node:buffer");
const pathModule = require("node:path");
const packageFiles = require("fnmesh:package-files");

const TASK = "/var/task";
const TMP = "/tmp";
const BINDING = Symbol.for("fnmesh.node");

const constants = {
  UV_FS_SYMLINK_DIR: 1, UV_FS_SYMLINK_JUNCTION: 2, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, UV_DIRENT_UNKNOWN: 0, UV_DIRENT_FILE: 1,
  UV_DIRENT_DIR: 2, UV_DIRENT_LINK: 3, UV_DIRENT_FIFO: 4, UV_DIRENT_SOCKET: 5, UV_DIRENT_CHAR: 6, UV_DIRENT_BLOCK: 7, S_IFMT: 61440,
  S_IFREG: 32768, S_IFDIR: 16384, S_IFCHR: 8192, S_IFBLK: 24576, S_IFIFO: 4096, S_IFLNK: 40960, S_IFSOCK: 49152, O_CREAT: 64, O_EXCL: 128,
  UV_FS_O_FILEMAP: 0, O_NOCTTY: 256, O_TRUNC: 512, O_APPEND: 1024, O_DIRECTORY: 65536, O_NOATIME: 262144, O_NOFOLLOW: 131072,
  O_SYNC: 1052672, O_DSYNC: 4096, O_DIRECT: 16384, O_NONBLOCK: 2048, S_IRWXU: 448, S_IRUSR: 256, S_IWUSR: 128, S_IXUSR: 64, S_IRWXG: 56,
  S_IRGRP: 32, S_IWGRP: 16, S_IXGRP: 8, S_IRWXO: 7, S_IROTH: 4, S_IWOTH: 2, S_IXOTH: 1, F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  UV_FS_COPYFILE_EXCL: 1, COPYFILE_EXCL: 1, UV_FS_COPYFILE_FICLONE: 2, COPYFILE_FICLONE: 2, UV_FS_COPYFILE_FICLONE_FORCE: 4, COPYFILE_FICLONE_FORCE: 4,
};

const ERRNO = { ENOENT: -2, EACCES: -13, EEXIST: -17, ENOTDIR: -20, EISDIR: -21, EINVAL: -22, EBADF: -9, ENOSPC: -28, EROFS: -30, ENOTEMPTY: -39, ENOTSUP: -95 };
const DESCRIPTION = {
  ENOENT: "no such file or directory", EACCES: "permission denied", EEXIST: "file already exists", ENOTDIR: "not a directory",
  EISDIR: "illegal operation on a directory", EINVAL: "invalid argument", EBADF: "bad file descriptor", ENOSPC: "no space left on device",
  EROFS: "read-only file system", ENOTEMPTY: "directory not empty", ENOTSUP: "operation not supported on socket",
};

function fsError(code, syscall, path, dest) {
  let message = `${code}: ${DESCRIPTION[code]}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const error = new Error(message);
  error.errno = ERRNO[code];
  error.code = code;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  if (dest !== undefined) error.dest = dest;
  return error;
}

function invalidArgType(name, expected, value) {
  const error = new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? "null" : typeof value}`);
  error.code = "ERR_INVALID_ARG_TYPE";
  return error;
}

/** A path argument as Node takes it (string, Buffer, file: URL), made absolute from /var/task. */
function toPath(value, name = "path") {
  let path;
  if (typeof value === "string") path = value;
  else if (value instanceof Uint8Array) path = Buffer.from(value).toString();
  else if (value instanceof URL) {
    if (value.protocol !== "file:") {
      const error = new TypeError("The URL must be of scheme file");
      error.code = "ERR_INVALID_URL_SCHEME";
      throw error;
    }
    path = decodeURIComponent(value.pathname);
  } else throw invalidArgType(name, "of type string or an instance of Buffer or URL", value);
  if (path.includes("\u0000")) {
    const error = new TypeError(`The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received ${JSON.stringify(path)}`);
    error.code = "ERR_INVALID_ARG_VALUE";
    throw error;
  }
  return { given: path, abs: pathModule.resolve(TASK, path) };
}

// ---- the two trees ----

const now = () => new Date();
const START = now();

/** /var/task: read-only; file bytes decoded from base64 on first read. */
const task = new Map([[TASK, { type: "dir", mtime: START }]]);
for (const [relative, entry] of Object.entries(packageFiles.files)) {
  const abs = `${TASK}/${relative}`;
  task.set(abs, { type: "file", base64: entry, data: undefined, mtime: START, mode: 0o644 });
  for (let dir = pathModule.dirname(abs); dir.length > TASK.length && !task.has(dir); dir = pathModule.dirname(dir)) task.set(dir, { type: "dir", mtime: START });
}
const omitted = new Set(packageFiles.omitted.map((relative) => `${TASK}/${relative}`));

/** /tmp: writable, in this isolate's heap. */
const tmp = new Map([[TMP, { type: "dir", mtime: START, mode: 0o777 }]]);
let tmpBytes = 0;

function tmpLimit() {
  const memoryMb = globalThis[BINDING]?.memoryLimitMb ?? 128;
  // Lambda's /tmp is 512 MB or more on disk; here it is heap, so half the memory size at most.
  return Math.min(512, Math.floor(memoryMb / 2)) * 1024 * 1024;
}

const inTree = (abs, root) => abs === root || abs.startsWith(`${root}/`);
const treeOf = (abs) => (inTree(abs, TMP) ? tmp : inTree(abs, TASK) ? task : undefined);

// Parents of the two roots exist as directories, so stat('/var') and readdir('/') answer.
const ROOTS = new Map([["/", ["tmp", "var"]], ["/var", ["task"]]]);

function lookup(abs) {
  if (ROOTS.has(abs)) return { type: "dir", mtime: START, mode: 0o755 };
  return treeOf(abs)?.get(abs);
}

function fileBytes(abs, entry) {
  if (entry.data === undefined) {
    entry.data = Buffer.from(entry.base64, "base64");
    entry.base64 = undefined;
  }
  return entry.data;
}

function need(abs, syscall, given) {
  const entry = lookup(abs);
  if (entry !== undefined) return entry;
  if (omitted.has(abs)) {
    const error = fsError("ENOENT", syscall, given);
    error.message += ` (fnmesh carries at most ${packageFiles.limitBytes} bytes of a package's files into the function; this one was left out)`;
    throw error;
  }
  const parent = lookup(pathModule.dirname(abs));
  if (parent !== undefined && parent.type === "file") throw fsError("ENOTDIR", syscall, given);
  throw fsError("ENOENT", syscall, given);
}

/** Throws unless `abs` may be created or replaced: only inside /tmp, under an existing directory. */
function writableDir(abs, syscall, given) {
  if (!inTree(abs, TMP) || abs === TMP) {
    // Lambda's root file system and /var/task are read-only.
    throw fsError(lookup(pathModule.dirname(abs)) !== undefined ? "EROFS" : "ENOENT", syscall, given);
  }
  const parent = lookup(pathModule.dirname(abs));
  if (parent === undefined) throw fsError("ENOENT", syscall, given);
  if (parent.type !== "dir") throw fsError("ENOTDIR", syscall, given);
}

function setTmpFile(abs, data) {
  const old = tmp.get(abs);
  const delta = data.byteLength - (old?.type === "file" ? old.data.byteLength : 0);
  if (tmpBytes + delta > tmpLimit()) {
    const error = fsError("ENOSPC", "write", abs);
    error.message += ` (fnmesh keeps /tmp in the isolate's memory: at most ${tmpLimit()} bytes, half the function's memory size)`;
    throw error;
  }
  tmpBytes += delta;
  const time = now();
  tmp.set(abs, { type: "file", data, mtime: time, birthtime: old?.birthtime ?? time, mode: old?.mode ?? 0o644 });
}

// ---- options ----

function encodingOf(options, fallback) {
  if (typeof options === "string") return options;
  if (options === undefined || options === null) return fallback;
  return options.encoding ?? fallback;
}

function toData(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding ?? "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArgType("data", "of type string or an instance of Buffer, TypedArray, or DataView", data);
}

// ---- Stats and Dirent ----

class Stats {
  constructor(entry, size) {
    const file = entry.type === "file";
    this.dev = 2049;
    this.mode = (file ? constants.S_IFREG : constants.S_IFDIR) | (entry.mode ?? (file ? 0o644 : 0o755));
    this.nlink = 1;
    this.uid = 993;
    this.gid = 990;
    this.rdev = 0;
    this.blksize = 4096;
    this.ino = 0;
    this.size = file ? size : 4096;
    this.blocks = Math.ceil(this.size / 512);
    const mtime = entry.mtime;
    const birthtime = entry.birthtime ?? mtime;
    this.atimeMs = this.mtimeMs = this.ctimeMs = mtime.getTime();
    this.birthtimeMs = birthtime.getTime();
    this.atime = mtime;
    this.mtime = mtime;
    this.ctime = mtime;
    this.birthtime = birthtime;
  }
  isFile() {
    return (this.mode & constants.S_IFMT) === constants.S_IFREG;
  }
  isDirectory() {
    return (this.mode & constants.S_IFMT) === constants.S_IFDIR;
  }
  isSymbolicLink() {
    return false;
  }
  isBlockDevice() {
    return false;
  }
  isCharacterDevice() {
    return false;
  }
  isFIFO() {
    return false;
  }
  isSocket() {
    return false;
  }
}

class Dirent {
  constructor(name, parentPath, type) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this._type = type;
  }
  isFile() {
    return this._type === "file";
  }
  isDirectory() {
    return this._type === "dir";
  }
  isSymbolicLink() {
    return false;
  }
  isBlockDevice() {
    return false;
  }
  isCharacterDevice() {
    return false;
  }
  isFIFO() {
    return false;
  }
  isSocket() {
    return false;
  }
}

function statOf(abs, entry) {
  return new Stats(entry, entry.type === "file" ? (entry.data?.byteLength ?? Math.floor((entry.base64.length * 3) / 4) - (entry.base64.endsWith("==") ? 2 : entry.base64.endsWith("=") ? 1 : 0)) : 0);
}

function childrenOf(abs) {
  if (ROOTS.has(abs)) return ROOTS.get(abs).map((name) => [name, "dir"]);
  const tree = treeOf(abs);
  const prefix = abs === "/" ? "/" : `${abs}/`;
  const out = [];
  for (const [path, entry] of tree) {
    if (path.startsWith(prefix) && !path.slice(prefix.length).includes("/") && path !== abs) out.push([path.slice(prefix.length), entry.type]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

// ---- the synchronous core ----

const sync = {
  existsSync(path) {
    try {
      return lookup(toPath(path).abs) !== undefined;
    } catch {
      return false;
    }
  },
  accessSync(path, mode = constants.F_OK) {
    const { abs, given } = toPath(path);
    need(abs, "access", given);
    if (mode & constants.W_OK && !inTree(abs, TMP)) throw fsError(inTree(abs, TASK) ? "EROFS" : "EACCES", "access", given);
  },
  statSync(path, options) {
    const { abs, given } = toPath(path);
    const entry = lookup(abs);
    if (entry === undefined) {
      if (options?.throwIfNoEntry === false) return undefined;
      need(abs, "stat", given);
    }
    return statOf(abs, entry);
  },
  lstatSync(path, options) {
    return sync.statSync(path, options);
  },
  readFileSync(path, options) {
    if (typeof path === "number") return readFd(path, options);
    const { abs, given } = toPath(path);
    const entry = need(abs, "open", given);
    if (entry.type !== "file") throw fsError("EISDIR", "read", undefined);
    const bytes = Buffer.from(fileBytes(abs, entry));
    const encoding = encodingOf(options, undefined);
    return encoding === undefined || encoding === "buffer" ? bytes : bytes.toString(encoding);
  },
  writeFileSync(path, data, options) {
    if (typeof path === "number") return writeFd(path, data, options);
    const { abs, given } = toPath(path);
    const flag = typeof options === "object" && options !== null ? options.flag ?? "w" : "w";
    const bytes = Buffer.from(toData(data, encodingOf(options, "utf8")));
    const existing = lookup(abs);
    if (existing?.type === "dir") throw fsError("EISDIR", "open", given);
    if (flag.includes("x") && existing !== undefined) throw fsError("EEXIST", "open", given);
    writableDir(abs, "open", given);
    if (flag.startsWith("a") && existing?.type === "file") setTmpFile(abs, Buffer.concat([existing.data, bytes]));
    else setTmpFile(abs, bytes);
  },
  appendFileSync(path, data, options) {
    const flag = typeof options === "object" && options !== null ? options.flag ?? "a" : "a";
    sync.writeFileSync(path, data, { ...(typeof options === "string" ? { encoding: options } : options), flag });
  },
  readdirSync(path, options) {
    const { abs, given } = toPath(path);
    const entry = need(abs, "scandir", given);
    if (entry.type !== "dir") throw fsError("ENOTDIR", "scandir", given);
    const withTypes = typeof options === "object" && options?.withFileTypes === true;
    const recursive = typeof options === "object" && options?.recursive === true;
    const out = [];
    const walk = (dir, prefix) => {
      for (const [name, type] of childrenOf(dir)) {
        const relative = prefix === "" ? name : `${prefix}/${name}`;
        out.push(withTypes ? new Dirent(name, prefix === "" ? given : `${given}/${prefix}`, type) : relative);
        if (recursive && type === "dir") walk(`${dir === "/" ? "" : dir}/${name}`, relative);
      }
    };
    walk(abs, "");
    const encoding = encodingOf(options, "utf8");
    return encoding === "buffer" && !withTypes ? out.map((name) => Buffer.from(name)) : out;
  },
  mkdirSync(path, options) {
    const { abs, given } = toPath(path);
    const recursive = typeof options === "object" && options?.recursive === true;
    const mode = typeof options === "number" ? options : options?.mode;
    if (!recursive) {
      if (lookup(abs) !== undefined) throw fsError("EEXIST", "mkdir", given);
      writableDir(abs, "mkdir", given);
      tmp.set(abs, { type: "dir", mtime: now(), mode: mode ?? 0o755 });
      return undefined;
    }
    let first;
    const missing = [];
    for (let dir = abs; lookup(dir) === undefined; dir = pathModule.dirname(dir)) missing.unshift(dir);
    const top = lookup(missing.length === 0 ? abs : pathModule.dirname(missing[0]));
    if (top?.type === "file") throw fsError(missing.length === 0 ? "EEXIST" : "ENOTDIR", "mkdir", given);
    for (const dir of missing) {
      writableDir(dir, "mkdir", given);
      tmp.set(dir, { type: "dir", mtime: now(), mode: mode ?? 0o755 });
      first ??= dir;
    }
    return first;
  },
  mkdtempSync(prefix) {
    const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (;;) {
      const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
      const path = `${prefix}${Array.from(bytes, (b) => chars[b % chars.length]).join("")}`;
      if (!sync.existsSync(path)) {
        sync.mkdirSync(path, 0o700);
        return path;
      }
    }
  },
  unlinkSync(path) {
    const { abs, given } = toPath(path);
    const entry = need(abs, "unlink", given);
    if (!inTree(abs, TMP) || abs === TMP) throw fsError("EROFS", "unlink", given);
    if (entry.type === "dir") throw fsError("EISDIR", "unlink", given);
    tmpBytes -= entry.data.byteLength;
    tmp.delete(abs);
  },
  rmdirSync(path, options) {
    if (options?.recursive) return sync.rmSync(path, { recursive: true });
    const { abs, given } = toPath(path);
    const entry = need(abs, "rmdir", given);
    if (entry.type !== "dir") throw fsError("ENOTDIR", "rmdir", given);
    if (!inTree(abs, TMP) || abs === TMP) throw fsError("EROFS", "rmdir", given);
    if (childrenOf(abs).length > 0) throw fsError("ENOTEMPTY", "rmdir", given);
    tmp.delete(abs);
  },
  rmSync(path, options) {
    const { abs, given } = toPath(path);
    const entry = lookup(abs);
    if (entry === undefined) {
      if (options?.force) return;
      throw fsError("ENOENT", "lstat", given);
    }
    if (!inTree(abs, TMP) || abs === TMP) throw fsError("EROFS", "rm", given);
    if (entry.type === "dir") {
      if (!options?.recursive) {
        const error = new Error(`Path is a directory: rm returned EISDIR (is a directory) ${given}`);
        error.code = "ERR_FS_EISDIR";
        throw error;
      }
      for (const [child] of childrenOf(abs)) sync.rmSync(`${abs}/${child}`, options);
      tmp.delete(abs);
      return;
    }
    tmpBytes -= entry.data.byteLength;
    tmp.delete(abs);
  },
  renameSync(oldPath, newPath) {
    const from = toPath(oldPath, "oldPath");
    const to = toPath(newPath, "newPath");
    const entry = need(from.abs, "rename", from.given);
    if (!inTree(from.abs, TMP) || from.abs === TMP) throw fsError("EROFS", "rename", from.given, to.given);
    writableDir(to.abs, "rename", to.given);
    const moved = [...tmp.entries()].filter(([path]) => inTree(path, from.abs));
    const target = lookup(to.abs);
    if (target?.type === "file") tmpBytes -= target.data.byteLength;
    for (const [path] of moved) tmp.delete(path);
    for (const [path, value] of moved) tmp.set(to.abs + path.slice(from.abs.length), value);
    void entry;
  },
  copyFileSync(src, dest, mode = 0) {
    const from = toPath(src, "src");
    const to = toPath(dest, "dest");
    const data = sync.readFileSync(from.given);
    if (mode & constants.COPYFILE_EXCL && lookup(to.abs) !== undefined) throw fsError("EEXIST", "copyfile", from.given, to.given);
    sync.writeFileSync(to.given, data);
  },
  realpathSync(path) {
    const { abs, given } = toPath(path);
    need(abs, "realpath", given);
    return abs;
  },
  truncateSync(path, len = 0) {
    const data = sync.readFileSync(path);
    const out = Buffer.alloc(len);
    data.copy(out, 0, 0, Math.min(len, data.length));
    sync.writeFileSync(path, out);
  },
  chmodSync(path, mode) {
    const { abs, given } = toPath(path);
    const entry = need(abs, "chmod", given);
    if (!inTree(abs, TMP)) throw fsError("EROFS", "chmod", given);
    entry.mode = typeof mode === "string" ? parseInt(mode, 8) : mode;
  },
  utimesSync(path, _atime, mtime) {
    const { abs, given } = toPath(path);
    const entry = need(abs, "utime", given);
    if (!inTree(abs, TMP)) throw fsError("EROFS", "utime", given);
    entry.mtime = mtime instanceof Date ? mtime : new Date(Number(mtime) * 1000);
  },
};
sync.realpathSync.native = sync.realpathSync;
sync.chownSync = (path) => {
  const { abs, given } = toPath(path);
  need(abs, "chown", given);
};

// ---- file descriptors (a table over the same trees) ----

const fds = new Map();
let nextFd = 3;

function openSync(path, flags = "r", mode) {
  const { abs, given } = toPath(path);
  const flag = typeof flags === "number" ? (flags & constants.O_APPEND ? "a" : flags & (constants.O_WRONLY | constants.O_RDWR) ? "w" : "r") : flags;
  const entry = lookup(abs);
  if (flag.startsWith("r")) {
    const found = need(abs, "open", given);
    if (found.type === "dir" && flag !== "r") throw fsError("EISDIR", "open", given);
  } else {
    if (flag.includes("x") && entry !== undefined) throw fsError("EEXIST", "open", given);
    if (entry?.type === "dir") throw fsError("EISDIR", "open", given);
    writableDir(abs, "open", given);
    if (entry === undefined || flag.startsWith("w")) setTmpFile(abs, Buffer.alloc(0));
    if (mode !== undefined) tmp.get(abs).mode = mode;
  }
  const fd = nextFd++;
  fds.set(fd, { abs, given, flag, position: 0 });
  return fd;
}

function handle(fd, syscall) {
  const open = fds.get(fd);
  if (open === undefined) throw fsError("EBADF", syscall);
  return open;
}

function readFd(fd, options) {
  const open = handle(fd, "read");
  const data = sync.readFileSync(open.given).subarray(open.position);
  open.position += data.length;
  const encoding = encodingOf(options, undefined);
  return encoding === undefined || encoding === "buffer" ? data : data.toString(encoding);
}

function writeFd(fd, data, options) {
  const open = handle(fd, "write");
  const bytes = toData(data, encodingOf(options, "utf8"));
  const current = lookup(open.abs)?.data ?? Buffer.alloc(0);
  const at = open.flag.startsWith("a") ? current.length : open.position;
  const out = Buffer.alloc(Math.max(current.length, at + bytes.length));
  current.copy(out);
  Buffer.from(bytes).copy(out, at);
  setTmpFile(open.abs, out);
  open.position = at + bytes.length;
  return bytes.length;
}

Object.assign(sync, {
  openSync,
  closeSync(fd) {
    handle(fd, "close");
    fds.delete(fd);
  },
  fstatSync(fd) {
    return sync.statSync(handle(fd, "fstat").given);
  },
  readSync(fd, buffer, offsetOrOptions, length, position) {
    const open = handle(fd, "read");
    let offset = offsetOrOptions;
    if (typeof offsetOrOptions === "object" && offsetOrOptions !== null) ({ offset = 0, length = buffer.byteLength - offset, position = null } = offsetOrOptions);
    offset ??= 0;
    length ??= buffer.byteLength - offset;
    const data = sync.readFileSync(open.given);
    const from = typeof position === "number" && position >= 0 ? position : open.position;
    const chunk = data.subarray(from, from + length);
    new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).set(chunk, offset);
    if (!(typeof position === "number" && position >= 0)) open.position += chunk.length;
    return chunk.length;
  },
  writeSync(fd, data, offsetOrPosition, lengthOrEncoding) {
    if (typeof data === "string") return writeFd(fd, data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : "utf8");
    const offset = typeof offsetOrPosition === "number" ? offsetOrPosition : 0;
    const length = typeof lengthOrEncoding === "number" ? lengthOrEncoding : data.byteLength - offset;
    return writeFd(fd, Buffer.from(data.buffer, data.byteOffset + offset, length));
  },
  fsyncSync(fd) {
    handle(fd, "fsync");
  },
  ftruncateSync(fd, len = 0) {
    sync.truncateSync(handle(fd, "ftruncate").given, len);
  },
});

// ---- callback and promise forms ----

function later(callback, run) {
  let result;
  let error = null;
  try {
    result = run();
  } catch (err) {
    error = err;
  }
  globalThis.setImmediate(() => (error === null ? callback(null, result) : callback(error)));
}

const fs = { constants, Stats, Dirent, ...sync };
const promises = { constants };
for (const [name, fn] of Object.entries(sync)) {
  if (name === "existsSync" || !name.endsWith("Sync")) continue;
  const base = name.slice(0, -4);
  fs[base] = function (...args) {
    const callback = args.pop();
    if (typeof callback !== "function") throw invalidArgType("cb", "of type function", callback);
    later(callback, () => fn(...args));
  };
  promises[base] = (...args) => new Promise((resolve) => resolve(fn(...args)));
}
fs.realpath.native = fs.realpath;
fs.exists = (path, callback) => globalThis.setImmediate(() => callback(sync.existsSync(path)));
fs.read = function (fd, buffer, offset, length, position, callback) {
  if (typeof offset === "function") [offset, callback] = [undefined, offset];
  later((err, bytesRead) => callback(err, bytesRead, buffer), () => sync.readSync(fd, buffer, offset, length, position));
};
fs.write = function (fd, data, ...rest) {
  const callback = rest.pop();
  later((err, written) => callback(err, written, data), () => sync.writeSync(fd, data, ...rest));
};

// fs.promises.open's FileHandle.
class FileHandle {
  constructor(fd) {
    this.fd = fd;
  }
  async readFile(options) {
    return readFd(this.fd, options);
  }
  async writeFile(data, options) {
    writeFd(this.fd, data, options);
  }
  async appendFile(data, options) {
    writeFd(this.fd, data, options);
  }
  async read(buffer, offset, length, position) {
    buffer ??= Buffer.alloc(16384);
    return { bytesRead: sync.readSync(this.fd, buffer, offset, length, position), buffer };
  }
  async write(data, ...rest) {
    return { bytesWritten: sync.writeSync(this.fd, data, ...rest), buffer: data };
  }
  async stat() {
    return sync.fstatSync(this.fd);
  }
  async truncate(len) {
    sync.ftruncateSync(this.fd, len);
  }
  async sync() {}
  async datasync() {}
  async close() {
    sync.closeSync(this.fd);
  }
  async [Symbol.asyncDispose]() {
    if (fds.has(this.fd)) sync.closeSync(this.fd);
  }
}
promises.open = async (path, flags, mode) => new FileHandle(openSync(path, flags, mode));
promises.rm = async (path, options) => sync.rmSync(path, options);

// ---- streams (node:stream loads on first use) ----

fs.createReadStream = function createReadStream(path, options) {
  const { Readable } = require("node:stream");
  const opts = typeof options === "string" ? { encoding: options } : (options ?? {});
  const chunkSize = opts.highWaterMark ?? 65536;
  let data;
  let at = opts.start ?? 0;
  const end = opts.end === undefined ? Infinity : opts.end + 1;
  const stream = new Readable({
    highWaterMark: chunkSize,
    read() {
      try {
        data ??= sync.readFileSync(path);
      } catch (error) {
        this.destroy(error);
        return;
      }
      const stop = Math.min(end, data.length);
      if (at >= stop) {
        this.push(null);
        return;
      }
      const chunk = data.subarray(at, Math.min(stop, at + chunkSize));
      at += chunk.length;
      this.bytesRead += chunk.length;
      this.push(chunk);
    },
  });
  if (opts.encoding) stream.setEncoding(opts.encoding);
  stream.path = typeof path === "string" ? path : toPath(path).given;
  stream.bytesRead = 0;
  stream.pending = false;
  return stream;
};

fs.createWriteStream = function createWriteStream(path, options) {
  const { Writable } = require("node:stream");
  const opts = typeof options === "string" ? { encoding: options } : (options ?? {});
  let fd;
  const stream = new Writable({
    construct(callback) {
      try {
        fd = openSync(path, opts.flags ?? "w", opts.mode);
      } catch (error) {
        callback(error);
        return;
      }
      globalThis.setImmediate(() => stream.emit("open", fd));
      callback();
    },
    write(chunk, _encoding, callback) {
      try {
        stream.bytesWritten += writeFd(fd, chunk);
      } catch (error) {
        callback(error);
        return;
      }
      callback();
    },
    final(callback) {
      sync.closeSync(fd);
      callback();
    },
  });
  stream.path = typeof path === "string" ? path : toPath(path).given;
  stream.bytesWritten = 0;
  stream.pending = false;
  return stream;
};

function unsupported(name) {
  return () => {
    const error = new Error(`fs.${name} is not supported in fnmesh isolates: the file system is the function's package (read-only) and an in-memory /tmp`);
    error.code = "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM";
    throw error;
  };
}
for (const name of ["watch", "watchFile", "unwatchFile", "symlink", "symlinkSync", "link", "linkSync", "readlink", "readlinkSync", "opendir", "opendirSync"]) fs[name] = unsupported(name);
for (const name of ["watch", "symlink", "link", "readlink", "opendir"]) promises[name] = async () => unsupported(name)();

fs.promises = promises;
fs.F_OK = constants.F_OK;
fs.R_OK = constants.R_OK;
fs.W_OK = constants.W_OK;
fs.X_OK = constants.X_OK;
module.exports = fs;
