/** Sonlet API v2 shapes, as our client parses them. Decimals stay strings, as Sonlet sends them. */

export interface SonletImage {
  pk: number;
  image_full: string;
  image_thumbnail: string;
  created: string;
}

export interface SonletItem {
  pk: number;
  style: string;
  size: string;
  itemchoice_id: number;
  size_id: number;
  quantity: number;
  price: string;
  wholesale_price: string;
  data: { attributes: Record<string, string> };
  image: { pk: number; image_full: string; image_thumbnail: string } | null;
  image_thumbnail: string | null;
  created: string;
}

/** A style. */
export interface SonletItemChoice {
  pk: number;
  name: string;
  min_advertised_price: string;
  wholesale_price: string;
}

export interface SonletSize {
  pk: number;
  name: string;
}

export interface SonletPage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
  /** Entries Sonlet sent on this page that could not be read (no usable pk), left out of `results`. */
  skipped?: number;
}
