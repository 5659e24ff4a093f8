/** Deterministic generation of the seeded items and their images from the seed catalog. */
import type { ImageRecord, ItemRecord } from './model.js';
import {
  SEED_COLLECTIONS,
  SEED_COLORS,
  SEED_FIRST_IMAGE_PK,
  SEED_FIRST_ITEM_PK,
  SEED_PATTERNS,
  SEED_RANDOM_SEED,
  SEED_REFERENCE_DATE,
  SEED_SELLERS,
  SEED_SIZES,
  SEED_SPREAD_DAYS,
  SEED_STYLES,
  SIZES_BY_KIND,
  type SeedSeller,
} from './seed-catalog.js';

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

export interface SeedData {
  images: ImageRecord[];
  items: ItemRecord[];
}

/** Every seeded seller's items and images, the same on every start. */
export function generateSeed(): SeedData {
  const shared = generateCohort(SEED_SELLERS.filter((s) => !s.ownSeed), SEED_RANDOM_SEED, SEED_FIRST_IMAGE_PK, SEED_FIRST_ITEM_PK);
  const own = SEED_SELLERS.filter((s) => s.ownSeed).map((s) => generateCohort([s], s.ownSeed!.randomSeed, s.ownSeed!.firstImagePk, s.ownSeed!.firstItemPk));
  return { images: [shared, ...own].flatMap((c) => c.images), items: [shared, ...own].flatMap((c) => c.items) };
}

function generateCohort(sellers: readonly SeedSeller[], randomSeed: number, firstImagePk: number, firstItemPk: number): SeedData {
  const rand = prng(randomSeed);
  const end = Date.parse(SEED_REFERENCE_DATE);
  const spreadMs = SEED_SPREAD_DAYS * 24 * 3600 * 1000;
  const sizeName = new Map(SEED_SIZES.map((s) => [s.pk, s.name]));

  interface Draft {
    owner: string;
    created: number;
    imageLeadMs: number;
    styleIdx: number;
    sizeId: number;
    color: string;
    pattern: string;
    collection: string;
    quantity: number;
    priceBump: number;
  }
  const drafts: Draft[] = [];
  for (const seller of sellers) {
    for (let i = 0; i < seller.itemCount; i++) {
      const styleIdx = Math.floor(rand() * SEED_STYLES.length);
      const style = SEED_STYLES[styleIdx];
      const roll = rand();
      drafts.push({
        owner: seller.username,
        // whole seconds, so timestamps look like real ones and stay stable
        created: end - Math.floor((rand() * spreadMs) / 1000) * 1000 - 3_600_000,
        imageLeadMs: (5 + Math.floor(rand() * 115)) * 1000,
        styleIdx,
        sizeId: pick(rand, SIZES_BY_KIND[style.kind]),
        color: pick(rand, SEED_COLORS).name,
        pattern: pick(rand, SEED_PATTERNS),
        collection: pick(rand, SEED_COLLECTIONS),
        quantity: roll < 0.05 ? 0 : 1 + Math.floor(rand() * 5),
        priceBump: rand() < 0.2 ? pick(rand, [5, 10, 15]) : 0,
      });
    }
  }
  // pks grow with time, like a real database
  drafts.sort((a, b) => a.created - b.created || a.owner.localeCompare(b.owner));

  const images: ImageRecord[] = [];
  const items: ItemRecord[] = [];
  drafts.forEach((d, i) => {
    const style = SEED_STYLES[d.styleIdx];
    const imagePk = firstImagePk + i;
    images.push({
      pk: imagePk,
      owner: d.owner,
      created: new Date(d.created - d.imageLeadMs).toISOString(),
      source: { kind: 'seed', styleName: style.name, sizeName: sizeName.get(d.sizeId) ?? '', color: d.color, pattern: d.pattern },
    });
    items.push({
      pk: firstItemPk + i,
      owner: d.owner,
      itemchoiceId: style.pk,
      sizeId: d.sizeId,
      imageId: imagePk,
      quantity: d.quantity,
      price: (Number(style.min_advertised_price) + d.priceBump).toFixed(2),
      wholesalePrice: style.wholesale_price,
      attributes: { Color: d.color, Collection: d.collection, Pattern: d.pattern },
      created: new Date(d.created).toISOString(),
    });
  });
  return { images, items };
}
