/**
 * The items grid's bulk buttons ("Publish selected", "Unpublish selected") pressed with nothing ticked:
 * the seller goes back to the grid page they came from, which says so next to the button. A 400 page
 * would be a dead end for what is only a forgotten tick.
 */
import { consoleTarget } from './redirect-target.js';

/** The `publish` flag of /items: which button was pressed with nothing ticked. */
export const NOTHING_SELECTED = { publish: 'none-selected', unpublish: 'none-to-unpublish' } as const;
export type NothingSelected = (typeof NOTHING_SELECTED)[keyof typeof NOTHING_SELECTED];

/** Where a bulk form came from (an items page of this console only; otherwise the first one). */
export function gridPageBack(back: unknown, publicUrl: string): string {
  return consoleTarget(back, publicUrl, { fallback: '/items', allow: (path) => /^\/items(\?|$)/.test(path) });
}

/** That grid page, flagged so it says which button needed a tick. */
export function backWithNothingSelected(back: unknown, publicUrl: string, flag: NothingSelected): string {
  const url = new URL(gridPageBack(back, publicUrl), publicUrl);
  url.searchParams.set('publish', flag);
  return `${url.pathname}${url.search}`;
}
