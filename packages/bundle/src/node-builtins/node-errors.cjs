"use strict";
// Node's error shapes shared by the built-in shims (crypto, zlib, http): an error with its `code`,
// and the " Received …" tail Node appends to ERR_INVALID_ARG_TYPE messages.

function codedError(Ctor, code, message) {
  const error = new Ctor(message);
  if (code !== undefined) error.code = code;
  return error;
}

function describe(value) {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === "function") return ` Received function ${value.name}`;
  if (typeof value === "object") return value.constructor?.name ? ` Received an instance of ${value.constructor.name}` : ` Received ${typeof value}`;
  let shown = String(value).slice(0, 25);
  if (typeof value === "string") shown = `'${shown}'`;
  return ` Received type ${typeof value} (${shown})`;
}

module.exports = { codedError, describe };
