// node:url: the `url` package (Node's legacy parse/format/resolve) with the isolate's WHATWG
// URL and URLSearchParams, and Node's POSIX fileURLToPath/pathToFileURL (Lambda runs on Linux).
const legacy = require("url/");
const path = require("node:path");

function codedTypeError(code, message) {
  const error = new TypeError(message);
  error.code = code;
  return error;
}

function fileURLToPath(input) {
  let url = input;
  if (typeof url === "string") url = new URL(url);
  else if (!(url instanceof URL)) {
    throw codedTypeError("ERR_INVALID_ARG_TYPE", `The "path" argument must be of type string or an instance of URL. Received ${url === null ? "null" : typeof url}`);
  }
  if (url.protocol !== "file:") throw codedTypeError("ERR_INVALID_URL_SCHEME", "The URL must be of scheme file");
  if (url.hostname !== "") throw codedTypeError("ERR_INVALID_FILE_URL_HOST", 'File URL host must be "localhost" or empty on linux');
  const pathname = url.pathname;
  if (/%2f/i.test(pathname)) throw codedTypeError("ERR_INVALID_FILE_URL_PATH", "File URL path must not include encoded / characters");
  return decodeURIComponent(pathname);
}

function pathToFileURL(filepath) {
  let resolved = path.resolve(filepath);
  if (filepath.endsWith("/") && !resolved.endsWith("/")) resolved += "/";
  const encoded = resolved.replace(/[%\\\n\r\t?#]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
  return new URL(`file://${encoded}`);
}

// Node's url.format(URL, { auth, fragment, search }): each defaults to true.
function formatURL(value, options = {}) {
  const url = new URL(value.href);
  if (options.auth === false) {
    url.username = "";
    url.password = "";
  }
  if (options.fragment === false) url.hash = "";
  if (options.search === false) url.search = "";
  return url.href;
}

function urlToHttpOptions(url) {
  const options = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ""}${url.search || ""}`,
    href: url.href,
  };
  if (url.port !== "") options.port = Number(url.port);
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}

module.exports = {
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  Url: legacy.Url,
  parse: legacy.parse,
  format: (value, options) => (value instanceof URL ? formatURL(value, options) : legacy.format(value)),
  resolve: legacy.resolve,
  resolveObject: legacy.resolveObject,
  fileURLToPath,
  pathToFileURL,
  urlToHttpOptions,
  domainToASCII: (domain) => {
    try {
      return new URL(`http://${domain}`).hostname;
    } catch {
      return "";
    }
  },
};
