#!/usr/bin/env node
/**
 * Runs one of this project's TypeScript entry points (main.ts, scripts/*.ts) fast:
 *
 *   node scripts/run.cjs main.ts [args...]      (what `npm run synth` and cdktf.json run)
 *
 * The entry and everything it imports are bundled by esbuild (the compiler inside tsx:
 * TypeScript is transpiled, never type-checked; `npm run typecheck` does that) into one
 * CommonJS file under node_modules/.cache/, and V8's code cache of that file is kept beside
 * it. A run whose inputs are unchanged only checks their modification times, then starts
 * the cached bundle without parsing it again: one Node.js process, no loader hooks, none of
 * the ~900 module lookups of cdktf, the provider classes, zod and yaml. `npm run bench`
 * measures what that saves against `tsx main.ts` (docs/performance.md).
 *
 * Correctness before speed:
 *  - the bundle is rebuilt when any file esbuild read for it changes (size or mtime), when
 *    package.json, tsconfig.json, package-lock.json, esbuild or this file change, or when the
 *    project folder moves; the bundle and its list of inputs are one file, replaced by rename,
 *    so concurrent runs never see half of either;
 *  - `__dirname` and `__filename` keep their meaning in every bundled module (the project's
 *    config/ and locks/ paths, cdktf's helper scripts), as under tsx or node;
 *  - the entry runs as the main module (`require.main === module`), with the arguments after it;
 *  - the code cache is named after the bundle it was made from and is dropped by V8 if it does
 *    not match; a cache that cannot be written only costs speed;
 *  - with DEBUG set, the entry runs under tsx instead, so that stack traces point into the
 *    TypeScript sources (the bundle carries no source maps).
 */
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.resolve(__dirname, '..');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'fargate-private-platform', 'run');
/** Files outside the module graph that change what a build produces. */
const BUILD_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'node_modules/esbuild/package.json', path.relative(ROOT, __filename)];
/** Bumped when the bundle's layout or the header below changes. */
const FORMAT = 1;
const HEADER_PREFIX = '// run.cjs bundle ';

function usage() {
  process.stderr.write('usage: node scripts/run.cjs <entry.ts> [args...]   e.g. node scripts/run.cjs main.ts\n');
  process.exit(2);
}

/** The stat of `file` as compared for staleness, or null when it is missing. */
function fingerprint(file) {
  try {
    const stat = fs.statSync(path.resolve(ROOT, file));
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return null;
  }
}

/** The cached bundle of `entry` and its header, if it is still what a build would produce. */
function readFresh(entry, bundleFile) {
  let text;
  try {
    text = fs.readFileSync(bundleFile, 'utf8');
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  if (!text.startsWith(HEADER_PREFIX) || newline < 0) return undefined;
  let header;
  try {
    header = JSON.parse(text.slice(HEADER_PREFIX.length, newline));
  } catch {
    return undefined;
  }
  if (header.format !== FORMAT || header.root !== ROOT || header.entry !== entry || header.v8 !== process.versions.v8) return undefined;
  for (const [file, print] of Object.entries(header.inputs)) if (fingerprint(file) !== print) return undefined;
  return { text, header };
}

/**
 * An esbuild plugin that keeps Node's module semantics inside the bundle:
 *  - each module gets its own `__dirname` and `__filename` (esbuild leaves both to the
 *    bundle's, which would point every module at the cache folder);
 *  - each of the project's modules other than the entry is compiled to CommonJS on its own,
 *    as tsx compiles it, so that it has its own `module`: bundled as ES modules, they would
 *    share the entry's, and a `require.main === module` guard in an imported script would
 *    run that script. The entry keeps the real main module.
 */
function nodeModuleSemantics(entry, target) {
  const compilerOptions = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions;
  return {
    name: 'node-module-semantics',
    setup(build) {
      const esbuild = require('esbuild');
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        const dependency = /[\\/]node_modules[\\/]/.test(args.path);
        let source = fs.readFileSync(args.path, 'utf8');
        let loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
        if (!dependency && args.path !== entry) {
          source = (await esbuild.transform(source, { loader, format: 'cjs', target, sourcefile: args.path, tsconfigRaw: { compilerOptions } })).code;
          loader = 'js';
        } else if (!/\b__(dirname|filename)\b/.test(source)) {
          return undefined;
        }
        const prelude = `var __filename = ${JSON.stringify(args.path)}, __dirname = ${JSON.stringify(path.dirname(args.path))};`;
        return { contents: withPrelude(source, prelude), loader, resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/**
 * `source` with `prelude` inserted after its shebang, leading comments and "use strict"
 * directive (a directive must come first to count), on the same line: line numbers stay.
 */
function withPrelude(source, prelude) {
  const head = /^(?:#![^\n]*\n)?(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*(?:(['"])use strict\1;?)?/.exec(source);
  const at = head ? head[0].length : 0;
  return `${source.slice(0, at)}${prelude}${source.slice(at)}`;
}

/** Bundles `entry` and writes the bundle with its header; returns what readFresh would. */
async function build(entry, bundleFile) {
  const esbuild = require('esbuild');
  const target = `node${process.versions.node.split('.')[0]}`;
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target,
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    plugins: [nodeModuleSemantics(entry, target)],
    outfile: bundleFile,
  });
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), ...BUILD_INPUTS]) {
    const relative = path.relative(ROOT, path.resolve(ROOT, file));
    inputs[relative] = fingerprint(relative);
  }
  const header = { format: FORMAT, root: ROOT, entry, v8: process.versions.v8, id: createHash('sha256').update(result.outputFiles[0].contents).digest('hex').slice(0, 16), inputs };
  const text = `${HEADER_PREFIX}${JSON.stringify(header)}\n${result.outputFiles[0].text}`;
  writeAtomically(bundleFile, text);
  removeStaleCaches(bundleFile, header.id);
  return { text, header };
}

function writeAtomically(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

/** Where the bundle of `entry` (an absolute path) is kept: named after its path in the project. */
function bundlePath(entry) {
  const name = path.relative(ROOT, entry).replace(/\.[cm]?[jt]s$/, '').replace(/[^A-Za-z0-9_-]+/g, '_');
  return path.join(CACHE_DIR, `${name}.cjs`);
}

function cacheFile(bundleFile, id) {
  return `${bundleFile}.${id}.v8cache`;
}

function removeStaleCaches(bundleFile, id) {
  const base = path.basename(bundleFile);
  for (const name of fs.readdirSync(path.dirname(bundleFile))) {
    if (name.startsWith(`${base}.`) && name.endsWith('.v8cache') && name !== path.basename(cacheFile(bundleFile, id))) {
      fs.rmSync(path.join(path.dirname(bundleFile), name), { force: true });
    }
  }
}

/** Runs the bundle as the main module, with V8's code cache when there is a matching one. */
function runBundle(bundleFile, { text, header }) {
  const codeCache = cacheFile(bundleFile, header.id);
  let cachedData;
  try {
    cachedData = fs.readFileSync(codeCache);
  } catch {
    cachedData = undefined;
  }
  // The header line becomes part of the wrapper's first line: line numbers stay the bundle's.
  const script = new vm.Script(Module.wrap(text), { filename: bundleFile, cachedData });
  const main = new Module(bundleFile, null);
  main.filename = bundleFile;
  const require = Module.createRequire(bundleFile);
  require.main = main;
  try {
    script.runInThisContext().call(main.exports, main.exports, require, main, bundleFile, path.dirname(bundleFile));
  } finally {
    // After the synchronous part ran, the cache also holds the functions it compiled.
    if (cachedData === undefined || script.cachedDataRejected) {
      try {
        writeAtomically(codeCache, script.createCachedData());
      } catch {
        // A read-only node_modules only costs the next run its parse time.
      }
    }
  }
}

async function runEntry(entryArg, args) {
  const entry = path.resolve(entryArg);
  if (!fs.existsSync(entry)) {
    process.stderr.write(`run.cjs: ${entryArg}: no such file\n`);
    process.exit(2);
  }
  process.argv = [process.argv[0], entry, ...args];
  if (process.env.DEBUG) {
    // Source-mapped stacks into the TypeScript sources: the plain tsx way.
    const { spawnSync } = require('node:child_process');
    const child = spawnSync(process.execPath, [require.resolve('tsx/cli'), entry, ...args], { stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
  const bundleFile = bundlePath(entry);
  const bundle = readFresh(entry, bundleFile) ?? (await build(entry, bundleFile));
  runBundle(bundleFile, bundle);
}

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) usage();
  runEntry(entry, args).catch((error) => {
    // A build error (a syntax error in a source file, a missing import): esbuild's own report.
    const messages = error && Array.isArray(error.errors) ? error.errors : undefined;
    if (messages) {
      for (const message of messages) {
        const where = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
        process.stderr.write(`${where}${message.text}\n`);
      }
    } else {
      process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    }
    process.exitCode = 1;
  });
}

module.exports = { runEntry, bundlePath, CACHE_DIR };
