/**
 * Plugboard REST API shapes (see /work/shared/reference/plugboard-api.txt).
 *
 * Conventions: decimals are JSON strings; date-times are RFC 3339 (server: UTC with 'Z');
 * `_lang` objects are keyed by lower-case ISO 639-2 three-letter codes; currencies are
 * lower-case ISO 4217 alphabetic codes when the server sends them; country codes are
 * upper-case ISO 3166-1 alpha-2.
 */

/** A decimal encoded as a JSON string, e.g. "42.23". */
export type DecimalString = string;
/** RFC 3339 date-time. */
export type DateTimeString = string;
/** Lower-case ISO 639-2 three-letter language code, e.g. "swe". */
export type Language3 = string;

export interface Money {
  currency: string;
  amount: DecimalString;
}

/** Stored translations, keyed by language3. */
export type LangMap = Record<Language3, string>;
/** Translations to write: a `null` value removes that translation; absent ones are untouched. */
export type LangPatch = Record<string, string | null>;

export interface CustomDataEntry {
  connectionId: string;
  moduleId: string;
  key: string;
  type: string;
  value: unknown;
}
/** Keyed by `connectionId|moduleId|key`. */
export type CustomData = Record<string, CustomDataEntry>;
/** customData to write: a `null` value removes that key; absent keys are untouched. */
export type CustomDataPatch = Record<string, CustomDataEntry | null>;

export interface RemoteIdMapEntry {
  connectionId: string;
  remoteId: string;
}
export type RemoteIdMap = Record<string, RemoteIdMapEntry>;

export interface PlugboardApiRoot {
  version: number;
  connectionId: string;
  permissions: string[];
  serverTime: DateTimeString;
  defaultLanguage: Language3;
  defaultLanguage_iso: { 'iso639-1': string | null; 'iso639-3': string };
  connectionName: string;
  connectionType: string;
  connectionCustomData: Record<string, unknown>;
  configuration: Record<string, unknown>;
}

export interface PlugboardProduct {
  href: string;
  /** The requesting connection's remoteId for this product, or null. */
  remoteId: string | null;
  localId: string;
  remoteIdMap: RemoteIdMap;
  title: string | null;
  title_lang: LangMap;
  /** Present in every response; not described further by the reference. */
  title_lang2: Record<string, string>;
  pictures: unknown[];
  created: DateTimeString;
  lastModified: DateTimeString;
  customData: CustomData;
  remoteUris: unknown[];
  isDeleted: boolean;
  shortDescription: string | null;
  shortDescription_lang: LangMap;
  shortDescription_lang2: Record<string, string>;
  description: string | null;
  description_lang: LangMap;
  description_lang2: Record<string, string>;
  attributes: unknown[];
  alternateContent: Record<string, unknown>;
  state: string;
  purchasable: boolean;
  prices: unknown[];
  sku?: string | null;
  brand?: string | null;
  stock?: number | null;
  vatRatePercent: DecimalString | null;
  productCategories: unknown[];
  productVariantGroups: unknown[];
}

/** One element of a product's `prices` (decision 004: a money object per currency, VAT included). */
export type ProductPrice = Money;

/** One element of a product's `pictures` (decision 004: a reference to an uploaded file). */
export interface ProductPicture {
  fileLocalId: string;
  sortOrder: number;
}

/** Body of POST /api/file. */
export interface FileInput {
  name: string;
  mimeType: string;
  publicAccess: boolean;
}

/** A file record (decision 004); `url` is where a shop reads public bytes, null before they are uploaded. */
export interface PlugboardFile {
  href: string;
  localId: string;
  name: string;
  mimeType: string;
  publicAccess: boolean;
  size: number | null;
  url: string | null;
}

/** Body of POST /api/product and PUT /api/product/<localId> (partial update). */
export interface ProductInput {
  remoteId?: string;
  sku?: string;
  gtin?: string;
  brand?: string | null;
  stock?: number;
  stockType?: string;
  weight?: DecimalString;
  volume?: DecimalString;
  /** Plain value = the user's default language. `null` removes that translation. */
  title?: string | null;
  title_lang?: LangPatch;
  shortDescription?: string | null;
  shortDescription_lang?: LangPatch;
  description?: string | null;
  description_lang?: LangPatch;
  vatRatePercent?: DecimalString;
  customData?: CustomDataPatch;
  state?: string;
  purchasable?: boolean;
  isDeleted?: boolean;
  pictures?: ProductPicture[];
  remoteUris?: unknown[];
  attributes?: unknown[];
  alternateContent?: Record<string, unknown>;
  prices?: ProductPrice[];
  productCategories?: unknown[];
  productVariantGroups?: unknown[];
}

export interface OrderSource {
  connectionType: string;
  connectionId: string;
  code: string | null;
  connectionName: string;
}

export interface PlugboardOrder {
  href: string;
  remoteId: string | null;
  localId: string;
  remoteIdMap: RemoteIdMap;
  created: DateTimeString;
  lastModified: DateTimeString;
  customData: CustomData;
  customerType: string | null;
  currency: string | null;
  totalSumExclVat: Money | null;
  totalVat: Money | null;
  billingAddress: Record<string, unknown> | null;
  shippingAddress: Record<string, unknown> | null;
  orderRows: unknown[];
  source: OrderSource;
  shipments: unknown[];
  /** Decision 004: "new" when placed, "processing" once the seller marks it. */
  orderStatus?: string | null;
  remoteOrderNo?: string | null;
}

/** One of an order's `orderRows` (decision 004). */
export interface PlugboardOrderRow {
  rowNo: number;
  productLocalId: string | null;
  sku: string | null;
  title: string | null;
  quantity: number;
  unitPrice: Money | null;
  vatRatePercent: DecimalString | null;
}

/** Body of POST /api/order/. */
export interface OrderInput {
  remoteId?: string;
  customerType?: string;
  currency?: string;
  totalSumExclVat?: Money;
  totalVat?: Money;
  billingAddress?: Record<string, unknown> | null;
  shippingAddress?: Record<string, unknown> | null;
  orderRows?: unknown[];
  customData?: CustomDataPatch;
}

/** The documented error body. */
export interface PlugboardErrorBody {
  error: true;
  time: DateTimeString;
  code: number;
  message: string;
}
