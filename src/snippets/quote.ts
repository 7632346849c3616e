// Literal quoting for every language a snippet is written in. A path or value put into a snippet
// goes through one of these, so text like `'`, `$(...)`, backticks or newlines stays data and can
// never end the literal early and run as code.

/** Bash/POSIX sh: single quotes keep everything literal; a `'` is written as `'\''`. */
export function bashSingleQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * PowerShell single-quoted string: nothing is expanded and `'` is doubled. PowerShell also treats
 * the typographic quotes U+2018..U+201B as single quotes, so those are doubled too.
 */
export function powershellSingleQuote(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201A\u201B]/g, (quote) => quote + quote)}'`;
}

/** JavaScript string literal: JSON is a subset of JS string syntax (ES2019+). */
export function jsStringLiteral(text: string): string {
  return JSON.stringify(text);
}

/**
 * Python 3 string literal in ASCII. Like JSON, but characters beyond the BMP are written as
 * `\UXXXXXXXX` (Python would read JSON's surrogate pairs as two separate code points).
 */
export function pythonStringLiteral(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') out += '\\' + char;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xff) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code <= 0xffff) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += '\\U' + code.toString(16).padStart(8, '0');
  }
  return out + '"';
}
