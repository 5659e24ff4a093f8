import { describe, expect, it } from 'vitest';
import { lastPageOf, sonletPageMaths } from '../src/inventory/page-maths.js';

describe('page maths', () => {
  it('the last page of a list: rounds up, and an empty list still has page 1', () => {
    expect(lastPageOf(0, 25)).toBe(1);
    expect(lastPageOf(25, 25)).toBe(1);
    expect(lastPageOf(26, 25)).toBe(2);
    expect(lastPageOf(320, 20)).toBe(16);
    // A page size of 0 (an empty first page) is treated as 1, never a division by zero.
    expect(lastPageOf(3, 0)).toBe(3);
  });

  it('a Sonlet page with a next one: its size is the page size, and it is never the last page', () => {
    expect(sonletPageMaths(1, { count: 320, onPage: 20, hasNext: true })).toEqual({ pageSize: 20, lastPage: 16 });
    expect(sonletPageMaths(3, { count: 320, onPage: 20, hasNext: true })).toEqual({ pageSize: 20, lastPage: 16 });
    // count shrank under us (items deleted meanwhile): there is still a next page.
    expect(sonletPageMaths(5, { count: 40, onPage: 20, hasNext: true })).toEqual({ pageSize: 20, lastPage: 6 });
  });

  it('the last Sonlet page: its own number, and the page size the earlier pages must have had', () => {
    expect(sonletPageMaths(16, { count: 320, onPage: 20, hasNext: false })).toEqual({ pageSize: 20, lastPage: 16 });
    expect(sonletPageMaths(2, { count: 27, onPage: 7, hasNext: false })).toEqual({ pageSize: 20, lastPage: 2 });
    expect(sonletPageMaths(1, { count: 7, onPage: 7, hasNext: false })).toEqual({ pageSize: 7, lastPage: 1 });
    expect(sonletPageMaths(1, { count: 0, onPage: 0, hasNext: false })).toEqual({ pageSize: 0, lastPage: 1 });
  });
});
