// node:querystring: querystring-es3 (Node's parse/stringify), with Node's escape/unescape.
const qs = require("querystring-es3");
module.exports = {
  ...qs,
  escape: (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()),
  unescape: (text) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  },
};
