import { describe, expect, it } from 'vitest';
import { learnShape, pageUrl, resolveLink, walkCeiling, WalkGuard, WalkStoppedError } from '../src/sonlet/paging.js';
import { DomainError } from '../src/errors.js';

const api = new URL('https://sonlet.example/api/v2/');
const items = new URL('https://sonlet.example/api/v2/items/?itemchoice_id=3');

describe('following Sonlet links', () => {
  it('resolves absolute and relative next links against the page they came on', () => {
    expect(resolveLink('https://sonlet.example/api/v2/items/?page=2', items, api).href).toBe('https://sonlet.example/api/v2/items/?page=2');
    expect(resolveLink('?itemchoice_id=3&page=2', items, api).href).toBe('https://sonlet.example/api/v2/items/?itemchoice_id=3&page=2');
    expect(resolveLink('/api/v2/items/?page=3#top', items, api).href).toBe('https://sonlet.example/api/v2/items/?page=3');
    expect(resolveLink('../images/?page=2', items, api).pathname).toBe('/api/v2/images/');
  });

  it('refuses links to another origin, scheme, port or outside the API path, so the token stays home', () => {
    for (const link of [
      'https://evil.example/api/v2/items/?page=2',
      'http://sonlet.example/api/v2/items/?page=2',
      'https://sonlet.example:8443/api/v2/items/?page=2',
      '//evil.example/api/v2/items/',
      '/admin/',
      '../../o/token/',
      'https://sonlet.example@evil.example/api/v2/',
    ]) {
      expect(() => resolveLink(link, items, api), link).toThrow(DomainError);
    }
  });
});

describe('the shape of a page link', () => {
  it('learns a page-number parameter and keeps the filters the console asked for', () => {
    const shape = learnShape(new URL('https://sonlet.example/api/v2/items/?itemchoice_id=3&page=2'), 2, items);
    expect(shape).toEqual({ kind: 'number', param: 'page', extras: [] });
    expect(pageUrl(shape, items, 7)!.href).toBe('https://sonlet.example/api/v2/items/?itemchoice_id=3&page=7');
    expect(pageUrl(shape, items, 1)!.href).toBe(items.href);
  });

  it('learns limit/offset links and keeps what else Sonlet put in them', () => {
    const shape = learnShape(new URL('https://sonlet.example/api/v2/items/?itemchoice_id=3&limit=25&offset=25&format=json'), 2, items);
    expect(shape).toEqual({ kind: 'offset', offsetParam: 'offset', limitParam: 'limit', limit: 25, extras: [['format', 'json']] });
    const page4 = pageUrl(shape, items, 4)!;
    expect(Object.fromEntries(page4.searchParams)).toEqual({ itemchoice_id: '3', format: 'json', limit: '25', offset: '75' });
  });

  it('takes another numbered parameter when it is not called page, and gives up on cursors', () => {
    expect(learnShape(new URL('https://sonlet.example/api/v2/items/?p=2'), 2, new URL('https://sonlet.example/api/v2/items/'))).toMatchObject({ kind: 'number', param: 'p' });
    const cursor = learnShape(new URL('https://sonlet.example/api/v2/items/?cursor=cD0yMDI1'), 2, new URL('https://sonlet.example/api/v2/items/'));
    expect(cursor).toEqual({ kind: 'opaque' });
    expect(pageUrl(cursor, items, 3)).toBeNull();
  });
});

describe('walks that end', () => {
  it('derives a ceiling from the first page, with slack, under the absolute one; count never sizes more than that', () => {
    expect(walkCeiling(320, 20, 500)).toBe(16 + 2);
    expect(walkCeiling(10_000, 20, 500)).toBe(500);
    expect(walkCeiling(5_000_000, 20, 500)).toBe(500);
    expect(walkCeiling(2000, 20, 500)).toBe(100 + 10);
    expect(walkCeiling(0, 0, 500)).toBe(3);
    expect(walkCeiling(Number.NaN, 20, 500)).toBe(500);
    expect(walkCeiling(-1, 20, 7)).toBe(7);
  });

  it('stops at a next link already followed, however its query is ordered', () => {
    const first = new URL('https://sonlet.example/api/v2/items/?a=1&b=2');
    const guard = new WalkGuard(500, first);
    guard.read({ count: 100, results: new Array(20) });
    expect(() => guard.follow(new URL('https://sonlet.example/api/v2/items/?b=2&a=1'))).toThrow(WalkStoppedError);
    guard.follow(new URL('https://sonlet.example/api/v2/items/?a=1&b=2&page=2'));
    guard.read({ count: 100, results: new Array(20) });
    expect(() => guard.follow(new URL('https://sonlet.example/api/v2/items/?page=2&a=1&b=2'))).toThrow(/leads back to a page already read/);
  });

  it('stops when a list runs longer than its count said, and at the absolute ceiling', () => {
    const lying = new WalkGuard(500, new URL('https://s.example/api/v2/items/'));
    let followed = 0;
    try {
      for (let page = 2; ; page++) {
        lying.read({ count: 40, results: new Array(20) });
        lying.follow(new URL(`https://s.example/api/v2/items/?page=${page}`));
        followed++;
      }
    } catch (err) {
      expect((err as WalkStoppedError).reason).toBe('longer-than-said');
    }
    expect(followed).toBe(3); // 2 pages said, plus 2 of slack: 4 read

    const huge = new WalkGuard(10, new URL('https://s.example/api/v2/items/'));
    let read = 0;
    expect(() => {
      for (let page = 2; ; page++) {
        huge.read({ count: 5_000_000, results: new Array(20) });
        read++;
        huge.follow(new URL(`https://s.example/api/v2/items/?page=${page}`));
      }
    }).toThrow(/more than 10 pages/);
    expect(read).toBe(10);
  });
});
