/**
 * How the views write any value into a page: HTML-escaped, and, when the value carries Unicode
 * direction controls, isolated. Names come from Sonlet, from a web shop's buyers, from file names; an
 * unclosed right-to-left override (U+202E) in one of them would otherwise reverse the words the page
 * writes after it ("Dress‮ (not one of your published items)"), and an isolate or embedding could reach
 * back into the page's own text. Wrapped in FSI … PDI, with whatever it left open closed, the value
 * reads as it was written and its surroundings as the console wrote them. It works in text and in
 * attributes alike, where a <bdi> element could not go.
 */

const FSI = '\u2068';
const PDI = '\u2069';
const PDF = '\u202c';
const DIRECTION_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
const NEEDS_WORK = /[&<>"'\u202a-\u202e\u2066-\u2069]/;
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeForPage(value: unknown): string {
  const text = String(value);
  // Most values need nothing: one test, and they go out as they are.
  if (!NEEDS_WORK.test(text)) return text;
  const isolated = DIRECTION_CONTROLS.test(text) ? isolateDirection(text) : text;
  return isolated.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * The text inside FSI … PDI with every embedding, override and isolate it opened closed, and one more FSI
 * in front for each PDI that closes nothing it opened (that PDI would otherwise close the wrapper itself).
 * Nothing of the text is removed, and text already isolated this way comes back unchanged, so a value
 * sent back through a form keeps what the seller typed and does not grow again.
 */
export function isolateDirection(text: string): string {
  if (!DIRECTION_CONTROLS.test(text)) return text;
  const open: Array<'embedding' | 'isolate'> = [];
  let unmatched = 0;
  for (const c of text) {
    if (c >= '\u202a' && c <= '\u202e' && c !== PDF) open.push('embedding');
    else if (c === PDF) {
      // One that closes nothing is ignored by the bidi algorithm: inside an isolate it cannot reach out.
      if (open[open.length - 1] === 'embedding') open.pop();
    } else if (c >= '\u2066' && c <= '\u2068') open.push('isolate');
    else if (c === PDI) {
      // A PDI closes the latest isolate and every embedding opened inside it.
      const at = open.lastIndexOf('isolate');
      if (at < 0) unmatched++;
      else open.length = at;
    }
  }
  if (open.length === 0 && unmatched === 0 && text.startsWith(FSI) && text.endsWith(PDI) && wrapsWhole(text)) return text;
  const closers = open.reverse().map((kind) => (kind === 'embedding' ? PDF : PDI)).join('');
  return FSI.repeat(1 + unmatched) + text + closers + PDI;
}

/** Whether the leading FSI is the one the trailing PDI closes (not "FSI a PDI b FSI c PDI"). */
function wrapsWhole(text: string): boolean {
  let depth = 0;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c >= '\u2066' && c <= '\u2068') depth++;
    else if (c === PDI) {
      depth--;
      if (depth === 0) return i === chars.length - 1;
    }
  }
  return false;
}
