/**
 * Seed data of the Sonlet sandbox: the shared catalog (styles, sizes), the seeded sellers and the
 * vocabularies the deterministic item generator (seed-items.ts) draws from. Pure data.
 */

export type StyleKind = 'top' | 'dress' | 'skirt' | 'jacket' | 'bottom' | 'leggings' | 'kids';

export interface SeedStyle {
  pk: number;
  name: string;
  /** Decimal string, as Sonlet sends it. */
  min_advertised_price: string;
  /** Decimal string, as Sonlet sends it. */
  wholesale_price: string;
  kind: StyleKind;
}

export interface SeedSize {
  pk: number;
  name: string;
}

export interface SeedSeller {
  /** Internal user id. */
  id: number;
  username: string;
  password: string;
  displayName: string;
  /** How many seeded items (each with its own image) this seller owns. */
  itemCount: number;
  /**
   * Generate this seller's items on their own (own random sequence and primary keys), so adding
   * the seller leaves every other seeded pk unchanged: saved sandbox state and console rows refer to them.
   */
  ownSeed?: { randomSeed: number; firstImagePk: number; firstItemPk: number };
}

/** Fixed "now" of the seed: every seeded timestamp lies before it, so output never depends on the clock. */
export const SEED_REFERENCE_DATE = '2025-06-01T15:00:00.000Z';
/** Seeded items are spread over this many days before SEED_REFERENCE_DATE. */
export const SEED_SPREAD_DAYS = 240;
/** Seed of the pseudo-random generator. */
export const SEED_RANDOM_SEED = 20250601;
/** First primary keys of seeded images and items (new objects continue after the seeded ones). */
export const SEED_FIRST_IMAGE_PK = 8_400_001;
export const SEED_FIRST_ITEM_PK = 15_300_001;

export const SEED_STYLES: readonly SeedStyle[] = [
  { pk: 1, name: 'Amelia', min_advertised_price: '65.00', wholesale_price: '29.00', kind: 'dress' },
  { pk: 2, name: 'Carly', min_advertised_price: '55.00', wholesale_price: '24.00', kind: 'dress' },
  { pk: 3, name: 'Irma', min_advertised_price: '35.00', wholesale_price: '15.00', kind: 'top' },
  { pk: 4, name: 'Cassie', min_advertised_price: '35.00', wholesale_price: '14.00', kind: 'skirt' },
  { pk: 5, name: 'Classic T', min_advertised_price: '35.00', wholesale_price: '15.00', kind: 'top' },
  { pk: 6, name: 'Julia', min_advertised_price: '45.00', wholesale_price: '20.00', kind: 'dress' },
  { pk: 7, name: 'Randy', min_advertised_price: '35.00', wholesale_price: '15.00', kind: 'top' },
  { pk: 8, name: 'Perfect T', min_advertised_price: '36.00', wholesale_price: '16.00', kind: 'top' },
  { pk: 9, name: 'Nicole', min_advertised_price: '48.00', wholesale_price: '21.00', kind: 'dress' },
  { pk: 10, name: 'Azure', min_advertised_price: '35.00', wholesale_price: '14.00', kind: 'skirt' },
  { pk: 11, name: 'Madison', min_advertised_price: '46.00', wholesale_price: '20.00', kind: 'skirt' },
  { pk: 12, name: 'Maxi', min_advertised_price: '42.00', wholesale_price: '18.00', kind: 'skirt' },
  { pk: 13, name: 'Lola', min_advertised_price: '46.00', wholesale_price: '20.00', kind: 'skirt' },
  { pk: 14, name: 'Lucy', min_advertised_price: '52.00', wholesale_price: '23.00', kind: 'skirt' },
  { pk: 15, name: 'Monroe', min_advertised_price: '48.00', wholesale_price: '21.00', kind: 'top' },
  { pk: 16, name: 'Sarah', min_advertised_price: '70.00', wholesale_price: '32.00', kind: 'jacket' },
  { pk: 17, name: 'Shirley', min_advertised_price: '75.00', wholesale_price: '34.00', kind: 'jacket' },
  { pk: 18, name: 'Joy', min_advertised_price: '68.00', wholesale_price: '30.00', kind: 'jacket' },
  { pk: 19, name: 'Lindsay', min_advertised_price: '58.00', wholesale_price: '25.00', kind: 'jacket' },
  { pk: 20, name: 'Mark', min_advertised_price: '65.00', wholesale_price: '28.00', kind: 'dress' },
  { pk: 21, name: 'Jade', min_advertised_price: '60.00', wholesale_price: '26.00', kind: 'bottom' },
  { pk: 22, name: 'Jill', min_advertised_price: '60.00', wholesale_price: '26.00', kind: 'bottom' },
  { pk: 23, name: 'Jordan', min_advertised_price: '48.00', wholesale_price: '21.00', kind: 'bottom' },
  { pk: 24, name: 'Gigi', min_advertised_price: '45.00', wholesale_price: '20.00', kind: 'top' },
  { pk: 25, name: 'Christy T', min_advertised_price: '40.00', wholesale_price: '18.00', kind: 'top' },
  { pk: 26, name: 'Deanne', min_advertised_price: '50.00', wholesale_price: '22.00', kind: 'dress' },
  { pk: 27, name: 'Marly', min_advertised_price: '64.00', wholesale_price: '28.00', kind: 'bottom' },
  { pk: 28, name: 'Mae', min_advertised_price: '55.00', wholesale_price: '24.00', kind: 'dress' },
  { pk: 29, name: 'Leggings', min_advertised_price: '25.00', wholesale_price: '11.00', kind: 'leggings' },
  { pk: 30, name: 'Kids Leggings', min_advertised_price: '23.00', wholesale_price: '9.00', kind: 'kids' },
  { pk: 31, name: 'Sloan', min_advertised_price: '36.00', wholesale_price: '15.00', kind: 'kids' },
  { pk: 32, name: 'Gracie', min_advertised_price: '35.00', wholesale_price: '15.00', kind: 'kids' },
];

export const SEED_SIZES: readonly SeedSize[] = [
  { pk: 1, name: 'XXS' },
  { pk: 2, name: 'XS' },
  { pk: 3, name: 'S' },
  { pk: 4, name: 'M' },
  { pk: 5, name: 'L' },
  { pk: 6, name: 'XL' },
  { pk: 7, name: '2XL' },
  { pk: 8, name: '3XL' },
  { pk: 9, name: 'OS' },
  { pk: 10, name: 'TC' },
  { pk: 11, name: 'TC2' },
  { pk: 12, name: 'Kids S/M' },
  { pk: 13, name: 'Kids L/XL' },
];

/** Which size pks a kind of style comes in (with repeats as weights). */
export const SIZES_BY_KIND: Readonly<Record<StyleKind, readonly number[]>> = {
  top: [1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8],
  dress: [1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8],
  skirt: [1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8],
  jacket: [2, 3, 4, 4, 5, 5, 6, 7],
  bottom: [2, 3, 4, 4, 5, 6, 7, 8],
  leggings: [9, 9, 9, 10, 10, 11],
  kids: [12, 13],
};

export const SEED_SELLERS: readonly SeedSeller[] = [
  { id: 101, username: 'demo', password: 'demo', displayName: 'Demo Seller', itemCount: 320 },
  { id: 102, username: 'demo2', password: 'demo2', displayName: 'Second Demo Seller', itemCount: 7 },
  // For search timing and benchmarks: a seller with a large inventory.
  { id: 103, username: 'bulk', password: 'bulk', displayName: 'Bulk Seller', itemCount: 2000, ownSeed: { randomSeed: 20250602, firstImagePk: 6_400_001, firstItemPk: 13_300_001 } },
];

/** Color attribute values with the hex used to paint the generated pictures. */
export const SEED_COLORS: readonly { name: string; hex: string; ink: string }[] = [
  { name: 'Black', hex: '#1f1f24', ink: '#f4f4f4' },
  { name: 'Navy', hex: '#1f2f5c', ink: '#f4f4f4' },
  { name: 'Heather Gray', hex: '#9a9ca3', ink: '#1f1f24' },
  { name: 'Burgundy', hex: '#7a1f33', ink: '#f9e9ec' },
  { name: 'Mint', hex: '#a8e6cf', ink: '#1d4d3c' },
  { name: 'Coral', hex: '#ff7f6a', ink: '#3a1410' },
  { name: 'Mustard', hex: '#d8a31a', ink: '#2e2204' },
  { name: 'Teal', hex: '#138086', ink: '#eafcfc' },
  { name: 'Blush', hex: '#f4c2c2', ink: '#5a2a2a' },
  { name: 'Olive', hex: '#6b7a2a', ink: '#f6f8e8' },
  { name: 'Charcoal', hex: '#3b3f45', ink: '#f0f0f0' },
  { name: 'Royal Blue', hex: '#2750c8', ink: '#eef2ff' },
  { name: 'Cream', hex: '#f3ead2', ink: '#4a3f22' },
  { name: 'Lavender', hex: '#b9a3e3', ink: '#2c1f4a' },
  { name: 'Red', hex: '#c8242f', ink: '#fff0f0' },
  { name: 'Forest Green', hex: '#25553a', ink: '#e9f7ee' },
  { name: 'Mauve', hex: '#a8718a', ink: '#fbeff4' },
  { name: 'Turquoise', hex: '#2cc2c0', ink: '#0d3333' },
];

export const SEED_COLLECTIONS: readonly string[] = [
  'Everyday',
  'Elegant',
  'Simply Comfortable',
  'Holiday',
  'Halloween',
  "Valentine's",
  'Americana',
  'Mommy & Me',
  'Sweet Dreams',
  'Disney',
];

export const SEED_PATTERNS: readonly string[] = [
  'Solid',
  'Floral',
  'Stripes',
  'Polka Dots',
  'Geometric',
  'Plaid',
  'Chevron',
  'Paisley',
  'Leaf',
  'Aztec',
];
