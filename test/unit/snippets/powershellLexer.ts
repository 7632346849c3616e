// A small PowerShell tokenizer for the structural check of PowerShell snippets where `pwsh` is not
// installed. It follows PowerShell's rules for what these snippets use: comments, single-quoted
// strings (any of ' ‘ ’ ‚ ‛ quotes, a doubled quote is one literal quote), double-quoted strings
// (backtick escapes, "" doubling, $(...) subexpressions), brackets and backtick line continuation.

const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201a', '\u201b']);
const DOUBLE_QUOTES = new Set(['"', '\u201c', '\u201d', '\u201e']);
const CLOSERS: Record<string, string> = { ')': '(', '}': '{', ']': '[' };

export interface PowerShellScan {
  /** Decoded contents of every single-quoted string, in order. */
  singleQuoted: string[];
  /** Raw contents of every double-quoted (expandable) string, in order. */
  doubleQuoted: string[];
  /** Structural problems: unterminated strings, unbalanced brackets, bad line continuations. */
  problems: string[];
}

export function scanPowerShell(source: string): PowerShellScan {
  const scan: PowerShellScan = { singleQuoted: [], doubleQuoted: [], problems: [] };
  const stack: string[] = [];
  let i = 0;
  const at = () => `offset ${i}`;
  while (i < source.length) {
    const c = source[i];
    if (c === '<' && source[i + 1] === '#') {
      const end = source.indexOf('#>', i + 2);
      if (end < 0) {
        scan.problems.push(`unterminated block comment at ${at()}`);
        break;
      }
      i = end + 2;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (SINGLE_QUOTES.has(c)) {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) {
          scan.problems.push('unterminated single-quoted string');
          break;
        }
        const d = source[i];
        if (SINGLE_QUOTES.has(d)) {
          if (SINGLE_QUOTES.has(source[i + 1])) {
            text += source[i + 1];
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += d;
        i++;
      }
      scan.singleQuoted.push(text);
    } else if (DOUBLE_QUOTES.has(c)) {
      let raw = '';
      i++;
      for (;;) {
        if (i >= source.length) {
          scan.problems.push('unterminated double-quoted string');
          break;
        }
        const d = source[i];
        if (d === '`') {
          raw += d + (source[i + 1] ?? '');
          i += 2;
          continue;
        }
        if (DOUBLE_QUOTES.has(d)) {
          if (DOUBLE_QUOTES.has(source[i + 1])) {
            raw += d;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        raw += d;
        i++;
      }
      scan.doubleQuoted.push(raw);
    } else if (c === '`') {
      // Outside strings a backtick escapes the next character; at the end of a line it continues it.
      if (source[i + 1] === '\n') {
        const rest = source.slice(i + 2).split('\n', 1)[0];
        if (rest.trim() === '') scan.problems.push(`line continuation into an empty line at ${at()}`);
      } else if (source[i + 1] === ' ' || source[i + 1] === '\t') {
        const lineEnd = source.indexOf('\n', i);
        if (source.slice(i + 1, lineEnd < 0 ? undefined : lineEnd).trim() === '') {
          scan.problems.push(`backtick followed by trailing whitespace (breaks the line continuation) at ${at()}`);
        }
      }
      i += 2;
    } else if (c === '(' || c === '{' || c === '[') {
      stack.push(c);
      i++;
    } else if (c in CLOSERS) {
      if (stack.pop() !== CLOSERS[c]) scan.problems.push(`unbalanced ${c} at ${at()}`);
      i++;
    } else {
      i++;
    }
  }
  if (stack.length > 0) scan.problems.push(`unclosed ${stack.join('')}`);
  return scan;
}
