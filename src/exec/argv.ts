/** Splits a command line into argv the way a POSIX shell would for plain words and quotes, without a shell. */

/** The argv of a command line; throws on an unterminated quote or a trailing backslash. */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) current += line[++i];
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 >= line.length) throw new Error('command ends with a lone backslash');
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote === "'" ? 'single' : 'double'} quote in command`);
  if (inWord) args.push(current);
  return args;
}

/** argv of a command line: split without a shell, or handed to /bin/sh -c. */
export function commandArgv(command: string, shell = false): string[] {
  return shell ? ['/bin/sh', '-c', command] : splitCommandLine(command);
}
