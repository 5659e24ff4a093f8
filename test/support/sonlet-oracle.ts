/**
 * The Sonlet sandbox read as an outsider would: plain HTTP with the seller's access token (decrypted from
 * the console's database), wire shapes written here from the reference, never the console's client.
 */
import pg from 'pg';
import { TokenCipher } from '../../src/crypto/token-cipher.js';
import type { Stack } from './stack.js';

export interface WireItem {
  pk: number;
  itemchoice_id: number;
  size_id: number;
  quantity: number;
  price: string;
  created: string;
  style?: string;
  size?: string;
  data: { attributes?: Record<string, string> } | string;
  image?: { pk: number; image_full: string; image_thumbnail: string } | null;
}

export async function accessTokenOf(stack: Stack, databaseUrl: string, email: string): Promise<string> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT c."accessTokenEnc" FROM "SonletConnection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1`, [email]);
    return new TokenCipher(stack.console.config.tokenEncryptionKey).decrypt(rows[0].accessTokenEnc);
  } finally {
    await db.end();
  }
}

/** Every item of the seller, page by page as Sonlet lists them (newest first). */
export async function everyItem(stack: Stack, databaseUrl: string, email: string): Promise<WireItem[]> {
  const token = await accessTokenOf(stack, databaseUrl, email);
  const items: WireItem[] = [];
  for (let url: string | null = `${stack.sonlet.url}/api/v2/items/`; url; ) {
    const page = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as { next: string | null; results: WireItem[] };
    items.push(...page.results);
    url = page.next;
  }
  return items;
}

export function attributesOf(item: WireItem): Record<string, string> {
  return (typeof item.data === 'string' ? (JSON.parse(item.data) as { attributes?: Record<string, string> }).attributes : item.data.attributes) ?? {};
}
