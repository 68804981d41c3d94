import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './argv.js';

describe('splitCommandLine', () => {
  it.each([
    ['npm test', ['npm', 'test']],
    ['  python -m app.tasks.quest_scheduler   daily ', ['python', '-m', 'app.tasks.quest_scheduler', 'daily']],
    [`psql -c "SELECT 'a b'"`, ['psql', '-c', "SELECT 'a b'"]],
    [`echo 'it''s' "" x`, ['echo', 'its', '', 'x']],
    [String.raw`echo "a \"quoted\" \$HOME \n"`, ['echo', 'a "quoted" $HOME \\n']],
    [String.raw`echo a\ b`, ['echo', 'a b']],
    ['echo $HOME | cat', ['echo', '$HOME', '|', 'cat']],
    ['', []],
  ])('%s', (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it.each([
    [`echo "open`, 'unterminated double quote in command'],
    [`echo 'open`, 'unterminated single quote in command'],
    ['echo \\', 'command ends with a lone backslash'],
  ])('rejects %s', (line, message) => {
    expect(() => splitCommandLine(line)).toThrow(message);
  });
});
