/**
 * Atlantis's autoplan decision for a repo config (server/events/project_finder.go): a project
 * plans when a modified file, or a folder holding it, matches one of its `when_modified`
 * patterns joined to its `dir` (github.com/moby/patternmatcher: `*` and `?` within a path
 * segment, `**` across segments, `!` excludes) and its dir exists in the clone. Used by the
 * bench and the tests to tell which projects a pull request plans without an Atlantis server.
 */
import * as path from 'node:path';
import type { AtlantisConfig } from './repo-config';

function patternRegExp(glob: string): RegExp {
  const source = glob
    .split('**')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

/** The file and the folders holding it: `a/b/c.txt`, `a/b`, `a`. */
function selfAndParents(file: string): string[] {
  const parts = file.split('/');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('/'));
}

/** True when `file` (repository-relative) makes a project with these patterns plan. */
export function matchesWhenModified(dir: string, whenModified: readonly string[], file: string): boolean {
  let matched = false;
  for (const raw of whenModified) {
    const exclusion = raw.trim().startsWith('!');
    const pattern = patternRegExp(path.posix.join(dir, raw.trim().replace(/^!/, '')));
    if (selfAndParents(file).some((candidate) => pattern.test(candidate))) matched = !exclusion;
  }
  return matched;
}

/** Names of the projects Atlantis autoplans for a pull request modifying `files`. */
export function autoplannedProjects(config: AtlantisConfig, files: readonly string[], dirExists: (dir: string) => boolean = () => true): string[] {
  return config.projects
    .filter((p) => p.autoplan.enabled && dirExists(p.dir) && files.some((file) => matchesWhenModified(p.dir, p.autoplan.when_modified, file)))
    .map((p) => p.name);
}
