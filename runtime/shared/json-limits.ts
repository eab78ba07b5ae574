/**
 * Limits on untrusted JSON. `JSON.parse` copes with any nesting, but what comes after it
 * (`JSON.stringify` to hand the value to the sandbox, error messages, a component's own
 * code) recurses and throws RangeError on deep values: a 500 for what is a bad request.
 * Checking the text first keeps every parsed value within reach of recursion.
 */

/** The deepest nesting of arrays and objects accepted in request JSON and in results. */
export const MAX_JSON_DEPTH = 512;

/**
 * True when `text` nests arrays/objects deeper than `limit`. A linear scan that counts
 * brackets outside string literals; it does not validate (JSON.parse does that next), so
 * malformed text may answer either way.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string literal; an escape hides the character after the backslash.
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}
