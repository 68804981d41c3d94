/** Keeps secrets out of what checks report: credentials in URLs and any literal secret a check knows of. */

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi;

/** Replaces the password of every `scheme://user:password@` in the text with `***`, and each given secret too. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(URL_CREDENTIALS, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
  for (const secret of secrets) {
    // Very short secrets would blank out unrelated text; URL redaction above already covers their usual place.
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/** The password of a URL (percent-decoded), or undefined; used to scrub it from driver error messages. */
export function urlPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
