// The `url` package asks for `qs`; Node's url.parse(…, true) and url.format use querystring.
const querystring = require("node:querystring");
module.exports = { parse: querystring.parse, stringify: querystring.stringify };
