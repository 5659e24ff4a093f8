/**
 * sharp (libvips) loaded on first use rather than at start: about 18 MB that a process which never
 * touches a photo (most page traffic) does not need to hold.
 */
import type Sharp from 'sharp';

let loading: Promise<typeof Sharp> | null = null;

export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
