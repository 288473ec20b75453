/**
 * How the synth makes stack traces, unless DEBUG is set. main.ts imports this module first,
 * before cdktf and the provider classes load. Measured by `npm run bench` (docs/performance.md).
 *
 * 1. Source maps off. tsx turns them on; with them on, Node parses the inline source map of
 *    every module it loads (the provider classes carry several MB of them) and maps every
 *    frame of every stack through them: a third of the CPU time of a synth under tsx.
 *
 * 2. Short token creation stacks. cdktf records the creation stack of every token it makes
 *    (`Error.captureStackTrace` onto a plain object, with the depth limit lifted) and formats
 *    it at once, thousands per synth: about an eighth of a synth's CPU time, for stacks that
 *    only appear in cdktf's own messages about a misused token. Here a stack captured onto
 *    anything that is not an Error is formatted with its top 10 frames (Node's default depth
 *    for any error), which show cdktf's frames and the code that made the token. Errors are
 *    formatted exactly as Node would without source maps.
 *
 * With DEBUG set, neither applies: full stacks that point into the TypeScript sources.
 */
const CREATION_FRAMES = 10;

/** The first line V8 writes for `target`: `Error.prototype.toString` of it. */
function header(target: unknown): string {
  try {
    return Error.prototype.toString.call(target);
  } catch {
    return 'Error';
  }
}

function isError(target: unknown): boolean {
  return target instanceof Error || Object.prototype.toString.call(target) === '[object Error]';
}

if (!process.env.DEBUG) {
  process.setSourceMapsEnabled?.(false);
}
/**
 * True while stacks are formatted as Node does by default: Node 20 exposes its own formatter
 * as `Error.prepareStackTrace` (named ErrorPrepareStackTrace), older releases leave it unset.
 * Anything else is a test runner's or a tool's (Jest maps failures to the sources), which
 * stays in charge.
 */
function nodeFormatsStacks(): boolean {
  const current = Error.prepareStackTrace;
  return current === undefined || current.name === 'ErrorPrepareStackTrace';
}

if (!process.env.DEBUG && nodeFormatsStacks()) {
  Error.prepareStackTrace = (target: unknown, frames: NodeJS.CallSite[]): string => {
    const shown = isError(target) ? frames : frames.slice(0, CREATION_FRAMES);
    let text = header(target);
    for (const frame of shown) text += `\n    at ${String(frame)}`;
    return text;
  };
}

export {};
