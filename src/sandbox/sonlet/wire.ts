/**
 * What the Sonlet sandbox answers, written from the reference (/work/shared/reference/sonlet-api.txt)
 * and its examples (`data['results'][0]['image']['image_thumbnail']`, `data['image_thumbnail'], data['pk']`),
 * not from the console's client. Decimals are strings, as Django REST framework sends them.
 */

export interface ImageWire {
  pk: number;
  image_full: string;
  image_thumbnail: string;
  created: string;
}

export interface ItemWire {
  pk: number;
  style: string;
  size: string;
  itemchoice_id: number;
  size_id: number;
  quantity: number;
  price: string;
  wholesale_price: string;
  data: { attributes: Record<string, string> };
  image: Omit<ImageWire, 'created'> | null;
  image_thumbnail: string | null;
  created: string;
}

/** An item choice, a.k.a. style. */
export interface ItemChoiceWire {
  pk: number;
  name: string;
  min_advertised_price: string;
  wholesale_price: string;
}

export interface SizeWire {
  pk: number;
  name: string;
}

/** "The response is paged": Django REST framework's page-number pagination. */
export interface PageWire<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}
