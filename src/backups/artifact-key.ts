/** Artifact keys: `SOURCE/STAMP-ID.EXT`, safe as S3 keys and as relative paths. */

/** The key a new artifact is stored under; sorts by time within a source. */
export function artifactKey(source: string, startedAt: Date, id: string, extension: string): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${source}/${stamp}-${id}.${extension}`;
}

/** Returns the key when it is a plain relative path; throws on `..`, absolute paths and empty segments. */
export function checkArtifactKey(key: string): string {
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..') || key.includes('\\')) {
    throw new Error(`invalid artifact key "${key}"`);
  }
  return key;
}
