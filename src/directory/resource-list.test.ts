import { describe, expect, test } from 'vitest';
import { PREPARED_PAGES, preparedPage, raw, sql } from '../db/database.js';
import { GROUP_TABLE, USER_TABLE } from '../db/filter-sql.js';
import type { ListQuery } from '../scim/list-response.js';
import { planList } from './resource-list.js';

const list = (filter?: string, sortBy?: string): ListQuery => ({
  ...(filter === undefined ? {} : { filter }),
  ...(sortBy === undefined ? {} : { sortBy }),
  sortOrder: 'ascending',
  startIndex: 1,
  count: 100,
  attributes: [],
  excludedAttributes: [],
});

describe('planList: which pages run as prepared statements', () => {
  test.each<[string | undefined, string | undefined, boolean]>([
    // Key lookups and prefix ranges: the same plan whatever the values.
    ['userName eq "bjensen"', undefined, true],
    ['externalId eq "x"', undefined, true],
    ['name.familyName sw "Jen"', 'userName', true],
    ['userName sw "b"', undefined, true],
    ['name[familyName sw "Jen"]', undefined, false],
    // The plan depends on the values, the sort or the offset.
    [undefined, undefined, false],
    ['userName eq "bjensen"', 'userName', false],
    ['name.familyName co "en"', undefined, false],
    ['externalId sw "A"', undefined, false],
    ['userName sw ""', undefined, false],
    ['meta.lastModified gt "2026-01-01T00:00:00Z"', undefined, false],
    ['name.familyName sw "a" and active eq true', undefined, false],
    ['emails.value sw "a"', undefined, false],
  ])('%s (sortBy %s): %s', (filter, sortBy, generic) => {
    expect(planList(list(filter, sortBy), USER_TABLE).generic).toBe(generic);
  });

  test('group display names', () => {
    expect(planList(list('displayName sw "Eng"'), GROUP_TABLE).generic).toBe(true);
    expect(planList(list('displayName eq "Eng"'), GROUP_TABLE).generic).toBe(true);
  });
});

describe('preparedPage', () => {
  test(`names the first ${PREPARED_PAGES} page texts, the same name each time, then no more`, () => {
    const first = preparedPage(sql`select 1 where ${'a'} = ${'b'}`);
    expect('name' in first && first.name).toMatch(/^r_/);
    expect(preparedPage(sql`select 1 where ${'c'} = ${'d'}`)).toEqual({ ...first, values: ['c', 'd'] });
    const distinct = (i: number) => preparedPage(sql`select ${raw(String(i))}`);
    for (let i = 1; i < PREPARED_PAGES; i++) expect('name' in distinct(i)).toBe(true);
    const over = distinct(PREPARED_PAGES);
    expect('name' in over).toBe(false);
    expect('name' in preparedPage(sql`select 1 where ${'e'} = ${'f'}`)).toBe(true);
  });
});
