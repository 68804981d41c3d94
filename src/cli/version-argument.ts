/** A version named on the command line: checked against the rule versions follow, in the user's words. */
import { UsageError } from '../shared/errors.js';
import { isVersionName } from '../supervisor/launch-spec.js';

/** The rule a version name follows, as a person reads it. */
export const VERSION_RULE = 'a version name may use letters, digits, . _ + - and starts with a letter or digit';

/** Throws a UsageError (exit 2) naming the rule when `version` is not a version name. */
export function checkVersionArgument(version: string): void {
  if (!isVersionName(version)) throw new UsageError(`"${version}" is not a version name (${VERSION_RULE})`);
}
