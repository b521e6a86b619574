// Entry of dist/suppressed-error.cjs: core-js-pure's SuppressedError, bundled
// alone. core-js-pure returns the native constructor where one exists and never
// touches globalThis.
module.exports = require("core-js-pure/actual/suppressed-error");
