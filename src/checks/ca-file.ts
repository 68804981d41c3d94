/** Trusted CA certificates for checks that talk TLS to a private CA: PEM text, or a file beside the plan. */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';

/** The PEM text of `ca`: itself when it holds a certificate, else the file it names relative to `cwd`. */
export async function loadCa(ca: string, cwd: string): Promise<string> {
  if (ca.includes('-----BEGIN')) return ca;
  const path = resolvePath(cwd, ca);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`read ca ${path}`, { cause: error });
  }
}
