/** An upload as the seller's pages show it: its row and its task, in the seller's words. */
import type { Task, Upload } from '../generated/prisma/client.js';
import { viewOfTask } from '../jobs/task-state.js';

export type UploadState = 'pending' | 'creating_image' | 'creating_item' | 'done' | 'failed' | 'stalled';

export interface UploadView {
  id: string;
  batchId: string;
  state: UploadState;
  /** The seller's words for the state. */
  label: string;
  originalName: string;
  byteSize: number;
  itemchoiceId: number;
  sizeId: number;
  quantity: number;
  price: string | null;
  attributes: Record<string, string>;
  itemPk: number | null;
  imagePk: number | null;
  message: string | null;
  attempts: number;
  canRetry: boolean;
  /** The photo can still be shown from the console's database (or from Sonlet once done). */
  hasPhoto: boolean;
  createdAt: string;
  /** Nothing more will happen without the seller. */
  settled: boolean;
}

export interface UploadBatchView {
  batchId: string;
  uploads: UploadView[];
  counts: Record<'done' | 'failed' | 'working', number>;
  inProgress: boolean;
}

const LABELS: Record<UploadState, string> = {
  pending: 'Waiting',
  creating_image: 'Uploading photo to Sonlet',
  creating_item: 'Creating item',
  done: 'Done',
  failed: 'Failed',
  stalled: 'Stalled',
};

export function toUploadView(row: Upload, task: Task | null, now: number): UploadView {
  const done = row.step === 'done';
  const work = done ? null : viewOfTask(task, now);
  let state: UploadState;
  if (!work) state = 'done';
  else if (work.state === 'failed' || work.state === 'stalled') state = work.state;
  else if (row.step === 'item') state = 'creating_item';
  else state = work.state === 'running' ? 'creating_image' : 'pending';
  return {
    id: row.id,
    batchId: row.batchId,
    state,
    label: LABELS[state],
    originalName: row.originalName,
    byteSize: row.byteSize,
    itemchoiceId: row.itemchoiceId,
    sizeId: row.sizeId,
    quantity: row.quantity,
    price: row.price,
    attributes: (row.attributes ?? {}) as Record<string, string>,
    itemPk: row.sonletItemId,
    imagePk: row.sonletImageId,
    message: work?.message ?? null,
    attempts: task?.attempts ?? 0,
    canRetry: work?.canRetry ?? false,
    hasPhoto: row.photoId !== null || row.sonletImageId !== null,
    createdAt: row.createdAt.toISOString(),
    settled: work?.settled ?? true,
  };
}

export function toBatchView(batchId: string, uploads: UploadView[]): UploadBatchView {
  const counts = { done: 0, failed: 0, working: 0 };
  for (const u of uploads) counts[u.state === 'done' ? 'done' : u.settled ? 'failed' : 'working']++;
  return { batchId, uploads, counts, inProgress: counts.working > 0 };
}
