/**
 * The few words a product description needs, per language (Plugboard's three-letter codes). Style
 * names and attribute names are the seller's own and are never translated; a language missing here
 * gets the English sentence, so every `_lang` entry still says something true.
 */
import type { SonletItem } from '../sonlet/types.js';

interface Phrases {
  /** "Amelia in size M." */
  inSize: (style: string, size: string) => string;
}

const PHRASES: Record<string, Phrases> = {
  eng: { inSize: (style, size) => `${style} in size ${size}.` },
  swe: { inSize: (style, size) => `${style} i storlek ${size}.` },
  nor: { inSize: (style, size) => `${style} i størrelse ${size}.` },
  nob: { inSize: (style, size) => `${style} i størrelse ${size}.` },
  dan: { inSize: (style, size) => `${style} i størrelse ${size}.` },
  fin: { inSize: (style, size) => `${style}, koko ${size}.` },
  deu: { inSize: (style, size) => `${style} in Größe ${size}.` },
  nld: { inSize: (style, size) => `${style} in maat ${size}.` },
  fra: { inSize: (style, size) => `${style} en taille ${size}.` },
  spa: { inSize: (style, size) => `${style} en talla ${size}.` },
  ita: { inSize: (style, size) => `${style} in taglia ${size}.` },
};

export function phrasesFor(language3: string): Phrases {
  return PHRASES[language3] ?? PHRASES.eng!;
}

/** "Amelia in size M. Color: Navy. Fabric: Cotton." with the attributes in the order given. */
export function describeItem(item: Pick<SonletItem, 'style' | 'size'>, attributes: Record<string, string>, language3: string): string {
  const parts = [phrasesFor(language3).inSize(item.style.trim(), item.size.trim())];
  for (const [name, value] of Object.entries(attributes)) parts.push(`${name}: ${value}.`);
  return parts.join(' ');
}
