/** Small text checks shared by every input parser. */

/**
 * True when the text holds a C0 control character or DEL (a newline, NUL, escape…) other than
 * those in `allow`: a tab for HTTP field values, tab, CR and LF for a JSON document. A loop, not a
 * regex: no control characters in the source.
 */
export function hasControlCharacter(text: string, options: { allow?: string } = {}): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code === 0x7f || code < 0x20) && !options.allow?.includes(text.charAt(i))) return true;
  }
  return false;
}

/** White space (any Unicode space) or a control character anywhere in the text. */
export const hasSpaceOrControl = (text: string): boolean => /\s/.test(text) || hasControlCharacter(text);
