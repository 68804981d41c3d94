/** Masking known secrets in text that is logged or recorded: output of commands, log lines. */

/** Masks passwords in URLs (`scheme://user:password@`) and every known secret value in `line`. */
export function maskSecrets(line: string, secrets: readonly string[]): string {
  let masked = line.replace(/(\/\/[^:/@\s"]+:)[^@/\s"]+@/g, '$1***@');
  for (const secret of secrets) {
    const encoded = JSON.stringify(secret).slice(1, -1);
    masked = masked.replaceAll(encoded, '***');
    if (encoded !== secret) masked = masked.replaceAll(secret, '***');
  }
  return masked;
}
