import parsePrometheus, { type ParsedFamily } from 'parse-prometheus-text-format';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  families: ParsedFamily[];
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses the Prometheus text exposition format. parse-prometheus-text-format checks every line
 * and gives the families with their types; it folds a labelled histogram's series into one, so the
 * samples (name, labels, value per line) are read here too.
 */
export function parseScrape(text: string): Scrape {
  const families = parsePrometheus(text);
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { families, samples };
}

export function familyOf(scrape: Scrape, name: string): ParsedFamily {
  const found = scrape.families.find((f) => f.name === name);
  if (!found) throw new Error(`no ${name} in /metrics (has ${scrape.families.map((f) => f.name).join(', ')})`);
  return found;
}

/** The value of the one sample named `name` whose labels include `labels`, or undefined. */
export function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  return scrape.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
