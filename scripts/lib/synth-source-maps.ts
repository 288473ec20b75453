/**
 * Turns Node's source-map support off for the synth, unless DEBUG is set. main.ts imports this
 * module first, before cdktf and the provider classes load.
 *
 * tsx turns source maps on. With them on, Node parses the inline source map of every module it
 * loads (the provider classes carry several MB of them), and cdktf records the full creation
 * stack of every token it makes, each frame of which Node then maps through those maps. That
 * costs a third of the CPU time of a default synth and ~30 MB, for stacks that only appear
 * in cdktf's own error messages (measured by `npm run bench`; see README "Performance").
 * The synth reports errors by message; with DEBUG set, source maps stay on and the stack it
 * prints points into the TypeScript sources.
 */
if (!process.env.DEBUG) process.setSourceMapsEnabled?.(false);

export {};
