const named: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * C0 and C1 controls, DEL, and the Unicode marks that reorder or hide text: what a terminal would
 * obey (clear the screen, move the cursor, rewrite the line) or show out of order.
 */
export function isTerminalControl(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/**
 * Text from the audit log (user agents, usernames someone tried) made fit for a terminal: each
 * control character is shown as an escape (`\x1b`, `\r`, `\u202e`) instead of acting on the
 * terminal, and a backslash as `\\`, so an escape that was typed cannot pass for one that was made.
 */
export function terminalSafe(text: string): string {
  let safe = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (named[character]) safe += named[character];
    else if (!isTerminalControl(code)) safe += character;
    else safe += code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return safe;
}
