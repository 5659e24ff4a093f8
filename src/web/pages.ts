/**
 * What each view is given: one type per page, so a route cannot hand a template data it does not
 * read, or forget what it does. `reply.page(view, data)` is checked against this map.
 */
import type { ConnectionState } from '../sonlet/token-vault.js';
import type { InventorySummary } from '../inventory/summary.js';
import type { Catalog } from '../inventory/catalog-cache.js';
import type { ItemsView } from '../inventory/browse.js';
import type { SonletImage, SonletItem } from '../sonlet/types.js';
import type { ExportView, BatchView } from '../plugboard/publish.js';
import type { UploadBatchView, UploadView } from '../inventory/upload-view.js';
import type { UploadFormValues } from '../inventory/upload-form.js';
import type { ConnectionCheck, PlugboardSettingsView } from '../plugboard/connection-store.js';
import type { ShopFilter } from '../plugboard/shop-filter.js';
import type { SortKey, StockFilter } from '../inventory/search.js';
import type { OrderView } from '../plugboard/shop-orders.js';
import type { ErrorAction } from './error-pages.js';
import type { SellerPreferences } from '../accounts/seller-settings.js';
import type { NothingSelected } from './nothing-selected.js';
import type { AdminAuditPage, AdminPage, DeleteSellerPage, OneTimeLinkPage, ResetPasswordPage, SignUpPage } from './team-pages.js';

interface Page {
  title: string;
  /** Scripts the page loads (same-origin paths). */
  scripts?: string[];
}

/** What a form page shows when it comes back with a problem (web/form-errors.ts). */
export interface FormState {
  values: Record<string, unknown>;
  error?: string | null;
  field?: string | null;
}

export interface ConnectionPage extends Page {
  connection: ConnectionState | { state: 'none' | 'needs_reconnect' };
}

export interface ErrorPage extends Page {
  message: string;
  statusCode: number;
  action?: ErrorAction | null;
  retry?: string | null;
}

export interface HomePage extends ConnectionPage {
  summary: InventorySummary | null;
  summaryError: string | null;
  updatedAgo: string | null;
}

export interface ItemsPage extends Page, ItemsView {
  catalog: Catalog;
  plugboardReady: boolean;
  exports: Record<number, ExportView>;
  /** The web-shop filter chosen on the grid, if any. */
  shop: ShopFilter | null;
  /** When an item's product was last ordered in the web shop. */
  soldOn: Record<number, Date>;
  /** "Publish selected" or "Unpublish selected" was pressed with nothing ticked. */
  nothingSelected: NothingSelected | null;
  /** The search form as the seller filled it, and how fresh its results are (null: live from Sonlet). */
  search: { q: string; min: number | null; max: number | null; stock: StockFilter | null; sort: SortKey | null; freshAt: Date | null };
}

export interface ItemPage extends Page {
  item: SonletItem;
  plugboardReady: boolean;
  export: ExportView | null;
  soldOn: Date | null;
}

export interface ImagesPage extends Page {
  images: SonletImage[];
  count: number;
  page: number;
  lastPage: number;
  itemsByImage: InventorySummary['itemsByImage'];
}

export interface UploadPage extends Page, FormState {
  styles: Catalog['styles'];
  sizes: Catalog['sizes'];
  values: UploadFormValues & Record<string, unknown>;
  maxBytesLabel: string;
  maxBytes: number;
  maxAttributes: number;
  /** The no-JS form's key for its photos: posting it twice still makes each photo one item. */
  photoKey: string;
  /** The seller's setting: shrink photos over 2,048 px in the browser before sending. */
  downscale: boolean;
  /** The name of this seller's queue in the browser's IndexedDB. */
  queue: string;
}

export interface UploadsPage extends Page {
  uploads: UploadView[];
  page: number;
  lastPage: number;
  count: number;
  inProgress: boolean;
  refreshSeconds: number;
}

export interface UploadResultPage extends Page {
  batch: Pick<UploadBatchView, 'batchId' | 'uploads' | 'counts' | 'inProgress'>;
  refreshSeconds: number;
  back: string;
}

export interface PlugboardSettingsPage extends Page, FormState {
  saved: PlugboardSettingsView | null;
  hasPassword: boolean;
  sandboxTenant: { password: string } | null;
  notice?: string | null;
  check?: ConnectionCheck;
  checkError?: { message: string };
}

export interface OrdersPage extends Page {
  plugboardReady: boolean;
  orders: OrderView[];
  total: number;
  polledAt: Date | null;
  lastError: string | null;
  page: number;
  lastPage: number;
}

export interface UnpublishConfirmPage extends Page {
  items: Array<{ pk: number; title: string | null; thumbnailUrl: string | null; published: boolean }>;
}

export interface AccountPage extends Page, FormState {
  email: string;
  preferences: SellerPreferences;
  notice?: string | null;
}

/** A second step before a wide or destructive action: what will happen, and the button that does it. */
export interface ConfirmPage extends Page {
  /** What will happen, one sentence each. */
  consequences: string[];
  action: string;
  /** Hidden fields the confirmed post carries (besides confirm=yes). */
  fields: Array<{ name: string; value: string }>;
  confirmLabel: string;
  cancelHref: string;
}

export interface Pages {
  welcome: Page;
  home: HomePage;
  'sign-in': Page & FormState;
  'sign-up': SignUpPage;
  items: ItemsPage;
  item: ItemPage;
  images: ImagesPage;
  'not-connected': ConnectionPage;
  upload: UploadPage;
  uploads: UploadsPage;
  'upload-result': UploadResultPage;
  'publish-batch': Page & { batch: BatchView };
  'unpublish-confirm': UnpublishConfirmPage;
  orders: OrdersPage;
  'settings-plugboard': PlugboardSettingsPage;
  'connect-result': Page & { message: string; retry?: string };
  error: ErrorPage;
  account: AccountPage;
  'account-delete': Page & FormState;
  'account-deleted': Page;
  confirm: ConfirmPage;
  admin: AdminPage;
  'admin-audit': AdminAuditPage;
  'admin-link': OneTimeLinkPage;
  'admin-delete': DeleteSellerPage;
  'reset-password': ResetPasswordPage;
}

export type ViewName = keyof Pages;

/** Views that hold a form a route can name in its `form` config. */
export type FormView = { [V in ViewName]: Pages[V] extends FormState ? V : never }[ViewName];
