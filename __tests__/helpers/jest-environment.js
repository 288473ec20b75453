/**
 * The Node test environment, made cheaper in two places where the tests pay for work nobody
 * looks at. Measured by `npm run bench` (docs/performance.md); nothing a test asserts on
 * changes.
 *
 * 1. Creation stacks. cdktf records the complete creation stack of every token it makes
 *    (cdktf/lib/tokens/private/stack-trace.js: `Error.captureStackTrace` onto a plain object
 *    with the depth limit raised to "unlimited"), thousands per synth. Inside Jest every stack
 *    is formatted by Jest's source-map support, frame by frame through the inline source maps
 *    of cdktf and the provider classes: about a quarter of the unit tests' CPU time and a few
 *    hundred MB of peak memory, for stacks that only appear in cdktf's own error messages.
 *    Here a stack captured onto anything that is not an Error keeps its top 10 frames (Node's
 *    default depth for any error: cdktf's frames, the provider class and the code that used
 *    it) in V8's plain format. Real errors, and so every failure Jest reports, keep Jest's
 *    source-mapped stacks and code frames.
 *
 * 2. Compiled code. Every test file gets a fresh module registry, so each worker compiles
 *    cdktf, the provider classes and zod again for every file (~0.4 s a file). The worker keeps
 *    V8's code cache of each module it compiled and hands it back when the same file, with
 *    the same source text, is compiled again: the modules still load and run fresh per test
 *    file, only parsing is skipped. A source that differs in any way compiles from scratch.
 */
const vm = require('node:vm');
const { TestEnvironment } = require('jest-environment-node');

/** Frames kept of a stack captured onto a non-Error: Node's default `Error.stackTraceLimit`. */
const CREATION_FRAMES = 10;

/** The first line V8 would write: `Error.prototype.toString` of the target. */
function header(error) {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

function plainStack(error, frames) {
  let text = header(error);
  for (const frame of frames) text += `\n    at ${frame}`;
  return text;
}

/** Wraps `vm.compileFunction` (which jest-runtime calls for every module) with a per-worker code cache. */
function installCodeCache() {
  const compileFunction = vm.compileFunction;
  if (compileFunction.codeCache) return;
  /** filename -> { code, params, data }: the exact source the cached data was made from. */
  const cache = new Map();
  const cached = function (code, params, options) {
    if (!options || !options.parsingContext || typeof options.filename !== 'string' || options.cachedData || options.produceCachedData) {
      return compileFunction(code, params, options);
    }
    const key = `${options.filename}\0${(params ?? []).join(',')}`;
    const hit = cache.get(key);
    if (hit && hit.code === code) {
      const fn = compileFunction(code, params, { ...options, cachedData: hit.data });
      if (!fn.cachedDataRejected) return fn;
    }
    const fn = compileFunction(code, params, { ...options, produceCachedData: true });
    if (fn.cachedData) cache.set(key, { code, data: fn.cachedData });
    return fn;
  };
  cached.codeCache = cache;
  vm.compileFunction = cached;
}

class TestsEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    installCodeCache();
    // The test code's Error is this context's; Jest installs its formatter on the worker's,
    // which Node falls back to when the context's has none.
    const HostError = Error;
    const ContextError = this.global.Error;
    const isError = (value) => value instanceof ContextError || value instanceof HostError || Object.prototype.toString.call(value) === '[object Error]';
    const captureStackTrace = ContextError.captureStackTrace;
    // Collect only CREATION_FRAMES frames for a non-Error (collecting is half the cost, formatting
    // the other half). `below ?? wrapper`: the stack starts where it would without this wrapper.
    const wrapper = function limitedCaptureStackTrace(target, below) {
      const limit = ContextError.stackTraceLimit;
      if (isError(target) || !(limit > CREATION_FRAMES)) return captureStackTrace(target, below ?? wrapper);
      ContextError.stackTraceLimit = CREATION_FRAMES;
      try {
        return captureStackTrace(target, below ?? wrapper);
      } finally {
        ContextError.stackTraceLimit = limit;
      }
    };
    ContextError.captureStackTrace = wrapper;
    ContextError.prepareStackTrace = function prepareStackTrace(error, frames) {
      if (!isError(error)) return plainStack(error, frames);
      const jestFormatter = HostError.prepareStackTrace;
      return typeof jestFormatter === 'function' ? jestFormatter(error, frames) : plainStack(error, frames);
    };
  }
}

module.exports = TestsEnvironment;
