/**
 * What the Plugboard sandbox sends and accepts, written from the reference
 * (/work/shared/reference/plugboard-api.txt) and decision note 004, not from the console's client.
 */

/** A decimal as a JSON string ("4.2"): the reference forbids JSON numbers for decimals. */
export type Decimal = string;

export interface Money {
  currency: string;
  amount: Decimal;
}

/** Translations keyed by lower-case ISO 639-2 codes ("swe"). */
export type Translations = Record<string, string>;

export interface CustomDataEntry {
  connectionId: string;
  moduleId: string;
  key: string;
  type: string;
  value: unknown;
}

export type RemoteIdMap = Record<string, { connectionId: string; remoteId: string }>;

/** The documented error body. */
export interface ErrorBody {
  error: true;
  time: string;
  code: number;
  message: string;
}

/** Decision 004: a price is a money object, one per currency, VAT included. */
export type Price = Money;

/** Decision 004: a picture names an uploaded file. */
export interface PictureRef {
  fileLocalId: string;
  sortOrder: number;
}

/** As a GET shows it: where a shop reads the picture's bytes (null while the file has none or is private). */
export interface PictureView extends PictureRef {
  url: string | null;
}

/** Decision 004: one row of an order. */
export interface OrderRow {
  rowNo: number;
  productLocalId: string;
  sku: string | null;
  title: string | null;
  quantity: number;
  unitPrice: Money;
  vatRatePercent: Decimal | null;
}

export interface ProductView {
  href: string;
  remoteId: string | null;
  localId: string;
  remoteIdMap: RemoteIdMap;
  title: string | null;
  title_lang: Translations;
  title_lang2: Record<string, never>;
  pictures: PictureView[];
  created: string;
  lastModified: string;
  customData: Record<string, CustomDataEntry>;
  remoteUris: unknown[];
  isDeleted: boolean;
  shortDescription: string | null;
  shortDescription_lang: Translations;
  shortDescription_lang2: Record<string, never>;
  description: string | null;
  description_lang: Translations;
  description_lang2: Record<string, never>;
  attributes: unknown[];
  alternateContent: Record<string, unknown>;
  state: 'visible' | 'hidden';
  purchasable: boolean;
  prices: Price[];
  vatRatePercent: Decimal | null;
  productCategories: unknown[];
  productVariantGroups: unknown[];
  sku: string | null;
  gtin: string | null;
  brand: string | null;
  stock: number | null;
  stockType: string | null;
  weight: Decimal | null;
  volume: Decimal | null;
}

export interface OrderSource {
  connectionType: string;
  connectionId: string;
  code: string | null;
  connectionName: string;
}

export interface OrderView {
  href: string;
  remoteId: string | null;
  localId: string;
  remoteIdMap: RemoteIdMap;
  created: string;
  lastModified: string;
  customData: Record<string, CustomDataEntry>;
  customerType: string | null;
  currency: string | null;
  totalSumExclVat: Money | null;
  totalVat: Money | null;
  billingAddress: Record<string, unknown> | null;
  shippingAddress: Record<string, unknown> | null;
  orderRows: OrderRow[];
  source: OrderSource;
  shipments: unknown[];
  orderStatus: string;
  remoteOrderNo: string | null;
}

/** Decision 004: a file record. */
export interface FileView {
  href: string;
  localId: string;
  name: string;
  mimeType: string;
  publicAccess: boolean;
  size: number | null;
  url: string | null;
}
