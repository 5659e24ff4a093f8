/**
 * Values written into pages: escaped, and isolated when they carry direction controls, so a name cannot
 * turn the page's own words around it.
 */
import { describe, expect, it } from 'vitest';
import { escapeForPage, isolateDirection } from '../src/web/page-text.js';

const [RLO, PDF, RLI, FSI, PDI, LRE] = ['\u202e', '\u202c', '\u2067', '\u2068', '\u2069', '\u202a'];

describe('escapeForPage', () => {
  it('leaves ordinary text as it is, right-to-left scripts included, and escapes markup', () => {
    expect(escapeForPage('Ruffle dress, size M')).toBe('Ruffle dress, size M');
    expect(escapeForPage('فستان أحمر')).toBe('فستان أحمر');
    expect(escapeForPage('שמלה 12')).toBe('שמלה 12');
    expect(escapeForPage(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
    expect(escapeForPage(42)).toBe('42');
  });

  it('isolates a value with an override, closing what it left open', () => {
    expect(escapeForPage(`Dress${RLO}gpj.exe`)).toBe(`${FSI}Dress${RLO}gpj.exe${PDF}${PDI}`);
    expect(escapeForPage(`${RLI}a${LRE}b`)).toBe(`${FSI}${RLI}a${LRE}b${PDF}${PDI}${PDI}`);
    // Escaping still applies inside.
    expect(escapeForPage(`${RLO}<b>`)).toBe(`${FSI}${RLO}&lt;b&gt;${PDF}${PDI}`);
  });

  it('a value already isolated comes back the same, so one sent back through a form does not grow', () => {
    const once = isolateDirection(`x${RLO}y`);
    expect(isolateDirection(once)).toBe(once);
    const stray = isolateDirection(`${PDI}stray closer`);
    expect(stray).toBe(`${FSI}${FSI}${PDI}stray closer${PDI}`);
    expect(isolateDirection(stray)).toBe(stray);
    // Two separate isolates side by side are not one whole: the text between them is wrapped too.
    const two = `${FSI}a${PDI}b${FSI}c${PDI}`;
    expect(isolateDirection(two)).toBe(`${FSI}${two}${PDI}`);
  });

  it('a closer that closes nothing the value opened cannot close the isolate around it, nor anything of the page', () => {
    // Each such PDI gets an FSI of its own in front, so the wrapper still holds all of the value; nothing is removed.
    expect(escapeForPage(`${PDF}${PDI}name`)).toBe(`${FSI}${FSI}${PDF}${PDI}name${PDI}`);
    expect(escapeForPage(`${FSI}a${PDI}${PDI}b`)).toBe(`${FSI}${FSI}${FSI}a${PDI}${PDI}b${PDI}`);
  });
});
