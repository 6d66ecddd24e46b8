// node:os: what Lambda's Node.js runtime reports (Amazon Linux on x86_64, user sbx_user1051,
// /tmp, vCPUs and memory from the function's memory size), as constants: an isolate has no
// operating system to ask. Node's `os.constants` are Linux's (taken from Node on Linux).
const constants = require("./os-constants.json");

const BINDING = Symbol.for("fnmesh.node");
const MB = 1024 * 1024;
const HOME = "/home/sbx_user1051";

function memoryMb() {
  const fromBinding = globalThis[BINDING]?.memoryLimitMb;
  if (typeof fromBinding === "number" && fromBinding > 0) return fromBinding;
  const fromEnv = Number(globalThis.process?.env?.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return fromEnv > 0 ? fromEnv : 128;
}

// Lambda shows at least 2 vCPUs, one more per 1,769 MB past that, up to 6 at 10,240 MB.
function vcpus() {
  return Math.min(6, Math.max(2, Math.ceil(memoryMb() / 1769)));
}

function cpus() {
  return Array.from({ length: vcpus() }, () => ({
    model: "Intel(R) Xeon(R) Processor @ 2.50GHz",
    speed: 2500,
    times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 },
  }));
}

function totalmem() {
  return memoryMb() * MB;
}

function freemem() {
  const used = globalThis.process?.memoryUsage?.().heapTotal ?? 0;
  return Math.max(0, totalmem() - used);
}

function userInfo(options) {
  const info = { uid: 993, gid: 990, username: "sbx_user1051", homedir: HOME, shell: null };
  if (options?.encoding === "buffer") {
    const { Buffer } = require("node:buffer");
    return { ...info, username: Buffer.from(info.username), homedir: Buffer.from(info.homedir) };
  }
  return info;
}

module.exports = {
  EOL: "\n",
  devNull: "/dev/null",
  constants,
  arch: () => "x64",
  machine: () => "x86_64",
  platform: () => "linux",
  type: () => "Linux",
  release: () => "5.10.240-258.938.amzn2.x86_64",
  version: () => "#1 SMP Mon Jan 1 00:00:00 UTC 2024",
  endianness: () => "LE",
  hostname: () => "169.254.100.1",
  homedir: () => globalThis.process?.env?.HOME ?? HOME,
  tmpdir: () => {
    const dir = globalThis.process?.env?.TMPDIR || globalThis.process?.env?.TMP || globalThis.process?.env?.TEMP || "/tmp";
    return dir.length > 1 && dir.endsWith("/") ? dir.slice(0, -1) : dir;
  },
  userInfo,
  cpus,
  availableParallelism: vcpus,
  totalmem,
  freemem,
  loadavg: () => [0, 0, 0],
  uptime: () => Math.floor(globalThis.process?.uptime?.() ?? 0),
  networkInterfaces: () => ({
    lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" }],
  }),
  getPriority: () => 0,
  setPriority: () => {},
};
