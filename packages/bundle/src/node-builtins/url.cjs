// node:url: the `url` package (Node's legacy parse/format/resolve) with the isolate's WHATWG
// URL and URLSearchParams, and Node's POSIX fileURLToPath/pathToFileURL (Lambda runs on Linux).
const legacy = require("url/");
const path = require("node:path");
const { describe } = require("./node-errors.cjs");

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

// Node's urlToHttpOptions: a null-prototype copy of the URL's own fields plus what http.request
// reads; `port` only when the URL has one.
function urlToHttpOptions(url) {
  if (url === null || (typeof url !== "object" && typeof url !== "function")) {
    throw codedTypeError("ERR_INVALID_ARG_TYPE", `The "url" argument must be of type object.${describe(url)}`);
  }
  const { hostname, pathname, port, username, password, search } = url;
  const options = {
    __proto__: null,
    ...url,
    protocol: url.protocol,
    hostname: typeof hostname === "string" && hostname.startsWith("[") ? hostname.slice(1, -1) : hostname,
    hash: url.hash,
    search,
    pathname,
    path: `${pathname || ""}${search || ""}`,
    href: url.href,
  };
  if (port !== "") options.port = Number(port);
  if (username || password) options.auth = `${decodeURIComponent(username)}:${decodeURIComponent(password)}`;
  return options;
}

// Node's parse(…, true) gives a null-prototype query; with no query string, search null and an
// empty query, where `url` sets search '' and a plain {}.
function parse(url, parseQueryString, slashesDenoteHost) {
  const result = legacy.parse(url, parseQueryString, slashesDenoteHost);
  if (parseQueryString && result.query !== null && typeof result.query === "object" && Object.getPrototypeOf(result.query) !== null) {
    result.query = Object.assign(Object.create(null), result.query);
  }
  if (parseQueryString && result.search === "") result.search = null;
  return result;
}

module.exports = {
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  Url: legacy.Url,
  parse,
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
