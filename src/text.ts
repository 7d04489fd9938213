/** Small text checks shared by every input parser. */

/**
 * True when the text holds a C0 control character or DEL (a newline, NUL, escape…). `allowTab`
 * lets a horizontal tab through, as HTTP field values do. A loop, not a regex: no control
 * characters in the source.
 */
export function hasControlCharacter(text: string, options: { allowTab?: boolean } = {}): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x7f || (code < 0x20 && !(options.allowTab && code === 0x09))) return true;
  }
  return false;
}

/** White space (any Unicode space) or a control character anywhere in the text. */
export const hasSpaceOrControl = (text: string): boolean => /\s/.test(text) || hasControlCharacter(text);
