/**
 * Code tables shared by the Plugboard client and the sandbox.
 *
 * Plugboard sends languages as lower-case ISO 639-2 three-letter codes (the reference's
 * `defaultLanguage_iso` calls the same value "iso639-3": for the languages below the
 * ISO 639-2/T code and the ISO 639-3 code are identical). Clients MAY send ISO 639-1 codes.
 * Currencies are sent by the server as lower-case ISO 4217 alphabetic codes; clients MAY
 * send the numeric codes.
 */

/** ISO 639-1 → ISO 639-2/T (= ISO 639-3 for these). */
export const ISO639_1_TO_3: Readonly<Record<string, string>> = Object.freeze({
  af: 'afr', ar: 'ara', bg: 'bul', bn: 'ben', bs: 'bos', ca: 'cat', cs: 'ces', cy: 'cym',
  da: 'dan', de: 'deu', el: 'ell', en: 'eng', es: 'spa', et: 'est', eu: 'eus', fa: 'fas',
  fi: 'fin', fo: 'fao', fr: 'fra', ga: 'gle', gl: 'glg', he: 'heb', hi: 'hin', hr: 'hrv',
  hu: 'hun', hy: 'hye', id: 'ind', is: 'isl', it: 'ita', ja: 'jpn', ka: 'kat', kl: 'kal',
  ko: 'kor', lt: 'lit', lv: 'lav', mk: 'mkd', ms: 'msa', mt: 'mlt', nb: 'nob', nl: 'nld',
  nn: 'nno', no: 'nor', pl: 'pol', pt: 'por', ro: 'ron', ru: 'rus', se: 'sme', sk: 'slk',
  sl: 'slv', sq: 'sqi', sr: 'srp', sv: 'swe', sw: 'swa', th: 'tha', tl: 'tgl', tr: 'tur',
  uk: 'ukr', ur: 'urd', vi: 'vie', zh: 'zho',
});

/** ISO 639-2/B (bibliographic) codes that differ from the /T code Plugboard uses. */
const ISO639_2B_TO_T: Readonly<Record<string, string>> = Object.freeze({
  alb: 'sqi', arm: 'hye', baq: 'eus', chi: 'zho', cze: 'ces', dut: 'nld', fre: 'fra',
  geo: 'kat', ger: 'deu', gre: 'ell', ice: 'isl', mac: 'mkd', may: 'msa', per: 'fas',
  rum: 'ron', slo: 'slk', wel: 'cym',
});

const ISO639_3_TO_1: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(ISO639_1_TO_3).map(([two, three]) => [three, two])),
);

/**
 * Normalises a language code to Plugboard's lower-case three-letter form, or returns null
 * when the code is not one we know. Accepts ISO 639-1 ('sv'), ISO 639-2/T ('swe') and
 * ISO 639-2/B ('ger' → 'deu'), any case.
 */
export function normaliseLanguage3(code: string): string | null {
  if (typeof code !== 'string') return null;
  const c = code.trim().toLowerCase();
  if (/^[a-z]{2}$/.test(c)) return ISO639_1_TO_3[c] ?? null;
  if (/^[a-z]{3}$/.test(c)) {
    if (Object.prototype.hasOwnProperty.call(ISO639_3_TO_1, c)) return c;
    return ISO639_2B_TO_T[c] ?? null;
  }
  return null;
}

/** ISO 639-1 code for a Plugboard language3 code, or null if it has none we know. */
export function language3To1(code3: string): string | null {
  return ISO639_3_TO_1[code3.toLowerCase()] ?? null;
}

/** ISO 4217 numeric → alphabetic (lower case), for the currencies our sellers use. */
export const ISO4217_NUMERIC: Readonly<Record<string, string>> = Object.freeze({
  '036': 'aud', '124': 'cad', '156': 'cny', '203': 'czk', '208': 'dkk', '344': 'hkd',
  '348': 'huf', '352': 'isk', '356': 'inr', '392': 'jpy', '410': 'krw', '484': 'mxn',
  '554': 'nzd', '578': 'nok', '643': 'rub', '702': 'sgd', '710': 'zar', '752': 'sek',
  '756': 'chf', '826': 'gbp', '840': 'usd', '946': 'ron', '949': 'try', '975': 'bgn',
  '978': 'eur', '985': 'pln', '986': 'brl',
});

/**
 * Normalises a currency code to lower-case ISO 4217 alphabetic, as Plugboard sends it.
 * Accepts any case and the numeric codes in {@link ISO4217_NUMERIC}; null when invalid.
 */
export function normaliseCurrency(code: string): string | null {
  if (typeof code !== 'string') return null;
  const c = code.trim();
  if (/^[A-Za-z]{3}$/.test(c)) return c.toLowerCase();
  if (/^\d{1,3}$/.test(c)) return ISO4217_NUMERIC[c.padStart(3, '0')] ?? null;
  return null;
}
