/** Names and labels of what glidepath creates for a version: valid Kubernetes names from any version string. */
import { createHash } from 'node:crypto';

/** Label on everything glidepath manages. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Value of the managed-by label. */
export const MANAGED_BY = 'glidepath';
/** Annotation holding the version as released, when the label had to be shortened or changed. */
export const VERSION_ANNOTATION = 'glidepath.dev/version';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/** The `version` label of a version: the version itself when it is a valid label value, else a slug with a hash. */
export function versionLabel(version: string): string {
  if (version.length <= 63 && LABEL_VALUE.test(version)) return version;
  return `${slug(version, 54)}-${shortHash(version)}`;
}

/** `<base>-<version>` as a DNS-1123 label (63 at most); a hash keeps versions that differ only in case or dots apart. */
export function versionResourceName(base: string, version: string): string {
  const plain = `${base}-${version}`;
  if (plain.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(version)) return plain;
  return `${base.slice(0, 40)}-${slug(version, 63 - Math.min(base.length, 40) - 10)}-${shortHash(version)}`;
}

function slug(text: string, max: number): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, Math.max(1, max))
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'v' : cleaned;
}
