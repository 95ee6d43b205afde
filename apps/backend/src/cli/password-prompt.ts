/**
 * Asks for a password at the terminal without echoing it: the prompt goes to stderr, so a
 * command's output can still be piped. Ctrl-C ends the process as it would anywhere else.
 */
export function promptPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      outcome();
    };
    const onData = (chunk: Buffer) => {
      for (const character of chunk.toString('utf8')) {
        if (character === '\r' || character === '\n') return finish(() => resolve(typed));
        if (character === '\u0003') return finish(() => reject(new Error('interrupted')));
        if (character === '\u0004') return finish(() => resolve(typed));
        if (character === '\u007f' || character === '\b') typed = [...typed].slice(0, -1).join('');
        else if (character >= ' ') typed += character;
      }
    };
    // Echo off before the prompt shows: what is typed after seeing it must never be echoed.
    input.setRawMode(true);
    process.stderr.write(prompt);
    input.resume();
    input.on('data', onData);
  });
}
