// Strips attribute meta that is only used for docs/schema from plotly.js sources, like
// plotly.js's tasks/compress_attributes.js (whose regexes predate the 4.x source formatting).
// A property `description:` / `hrName:` / `requiredOpts:` / `otherOpts:` at the start of a line
// is removed only when its value is made of string literals alone (a string, a concatenation,
// or an array of strings, optionally `.join(<string>)`); anything else is left in place.
const KEYS = /^([ \t]*)(description|hrName|requiredOpts|otherOpts)\s*:/gm;

// scan one value expression starting at i; returns [end, tokens] where end is the index of the
// terminating ',' or '}' at depth 0 (or -1 on failure)
function scanValue(s, i) {
  let depth = 0, tokens = '';
  while (i < s.length) {
    const c = s[i];
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < s.length && s[j] !== c) {
        if (s[j] === '\\') j++;
        else if (c === '`' && s[j] === '$' && s[j + 1] === '{') return [-1, ''];
        else if (c !== '`' && s[j] === '\n') return [-1, ''];
        j++;
      }
      tokens += 'S'; i = j + 1; continue;
    }
    if (c === '/' && s[i + 1] === '/') { while (i < s.length && s[i] !== '\n') i++; continue; }
    if (c === '/' && s[i + 1] === '*') { i = s.indexOf('*/', i + 2) + 2; if (i < 2) return [-1, '']; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') { if (depth === 0) return [i, tokens]; depth--; }
    else if (c === ',' && depth === 0) return [i, tokens];
    tokens += c; i++;
  }
  return [-1, ''];
}

const LITERAL_ONLY = /^(\(?S(\+S)*\)?|\[(S,)*S?,?\](\.join\(S?\))?)$/;

export function stripMeta(src) {
  let out = '', last = 0, m;
  KEYS.lastIndex = 0;
  while ((m = KEYS.exec(src))) {
    const start = m.index;
    const [end, tokens] = scanValue(src, m.index + m[0].length);
    if (end < 0 || !LITERAL_ONLY.test(tokens)) continue;
    // drop the property and its trailing comma (if any)
    out += src.slice(last, start);
    last = src[end] === ',' ? end + 1 : end;
    KEYS.lastIndex = last;
  }
  return out + src.slice(last);
}
