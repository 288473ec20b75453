/**
 * The Node test environment, with cheap stack traces for the ones nobody reads.
 *
 * cdktf records the complete creation stack of every token it makes (`captureStackTrace` in
 * cdktf/lib/tokens/private/stack-trace.js: `Error.captureStackTrace` onto a plain object, with
 * no depth limit), thousands per synth. Inside Jest every stack is formatted by Jest's
 * source-map support, which maps each frame through the source maps (cdktf and the provider
 * classes carry inline ones): measured at about a quarter of the unit tests' CPU time and
 * 250 MB of extra peak memory, for stacks that only appear in cdktf's own error messages.
 *
 * Here a stack captured onto anything that is not an Error gets V8's plain format, unmapped,
 * and only its top 25 frames (the code that created the token; below them is Jest); real
 * errors, and so every failure Jest reports, still get Jest's source-mapped stacks and code
 * frames. Nothing a test asserts on changes.
 */
const { TestEnvironment } = require('jest-environment-node');

/** Frames formatted for a stack that is not an Error's: the creating code, not all of Jest below it. */
const CREATION_FRAMES = 25;

function header(error) {
  try {
    return String(error);
  } catch {
    return 'Error';
  }
}

function plainStack(error, frames, limit = frames.length) {
  let text = header(error);
  for (const frame of frames.slice(0, limit)) text += `\n    at ${frame}`;
  if (frames.length > limit) text += `\n    at <${frames.length - limit} more frames, not formatted in tests>`;
  return text;
}

class CheapCreationStacksEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    // The test code's Error is this context's; Jest installs its formatter on the outer one,
    // which Node falls back to when the context's has none.
    const HostError = Error;
    const ContextError = this.global.Error;
    const isError = (value) => value instanceof ContextError || value instanceof HostError || Object.prototype.toString.call(value) === '[object Error]';
    ContextError.prepareStackTrace = function prepareStackTrace(error, frames) {
      if (!isError(error)) return plainStack(error, frames, CREATION_FRAMES);
      const jestFormatter = HostError.prepareStackTrace;
      return typeof jestFormatter === 'function' ? jestFormatter(error, frames) : plainStack(error, frames);
    };
  }
}

module.exports = CheapCreationStacksEnvironment;
