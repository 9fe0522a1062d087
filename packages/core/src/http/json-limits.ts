const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const OBJECT = -1;

/**
 * Scan JSON text, without parsing it, for nesting deeper than `maxDepth` or an array with more
 * than `maxArrayLength` elements. Runs before `JSON.parse`, so a hostile body never builds a
 * huge or deep structure (and never reaches a recursive walk). Returns why the text is
 * rejected, or `null`. Malformed JSON is left for `JSON.parse` to report.
 *
 * @example
 * jsonLimitViolation("[[[1]]]", 2, 100); // "JSON nests deeper than 2 levels"
 * jsonLimitViolation("[1,2,3]", 8, 2);   // "a JSON array has more than 2 elements"
 */
export function jsonLimitViolation(text: string, maxDepth: number, maxArrayLength: number): string | null {
  // Each level takes a character, and n elements 2n - 1: a text this short is within both.
  if (text.length <= maxDepth && text.length < 2 * maxArrayLength - 1) return null;
  // One entry per open container: OBJECT, or the commas seen so far in an array.
  const open: number[] = [];
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === BACKSLASH) index++;
      else if (char === QUOTE) inString = false;
      continue;
    }
    switch (char) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (open.length >= maxDepth) return `JSON nests deeper than ${maxDepth} levels`;
        open.push(char === OPEN_BRACE ? OBJECT : 0);
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        open.pop();
        break;
      case COMMA: {
        const top = open.length - 1;
        const commas = open[top];
        if (commas === undefined || commas === OBJECT) break;
        // n commas separate n + 1 elements.
        if (commas + 1 >= maxArrayLength) return `a JSON array has more than ${maxArrayLength} elements`;
        open[top] = commas + 1;
        break;
      }
      default:
        break;
    }
  }
  return null;
}
