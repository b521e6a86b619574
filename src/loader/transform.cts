/**
 * `require("atexit/transform")`: the CommonJS entry of `atexit/transform`. It
 * holds no implementation: it loads the ES module with `require()`.
 * @module
 */
import type * as esm from "./transform.js" with { "resolution-mode": "import" };

/** `transform` and `mayContainUsing`, as the ES module exports them. */
const transform = require("./transform.js") as typeof esm;

declare namespace transform {
  export type TransformOptions = esm.TransformOptions;
  export type TransformResult = esm.TransformResult;
  export type SourceMap = esm.SourceMap;
}

export = transform;
