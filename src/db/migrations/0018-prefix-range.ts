/**
 * `roster_prefix_end(prefix)`: the least text above every text that starts with `prefix`, in the byte order of
 * `text_pattern_ops` (`~<~`), so that `sw` compiles to an index range whose bounds are parameters.
 *
 * PostgreSQL turns `lower(family_name) like 'x%'` into an index range only when it plans with the pattern's value
 * in hand, so a page filtered with `sw` was planned on every request: 0.5 ms of the page's ~1.7 ms in PostgreSQL
 * (EXPLAIN, 10k users, a page of 100 sorted by userName). With the bounds as expressions of the parameter
 * (`~>=~ lower($1)`, `~<~ roster_prefix_end(lower($1))`) a prepared statement's generic plan reads the same range
 * of the same index, and the `like` stays as the exact test.
 *
 * In UTF-8 (the encoding Roster's databases use: SCIM is JSON, JSON is Unicode) byte order is code point order,
 * so raising the last character's code point by one bounds every text with the prefix. U+10FFFF cannot be
 * raised: it is dropped and the character before it raised; a prefix of nothing else has no end (null), and
 * callers do not compile such a prefix to a range. Surrogates (U+D800-U+DFFF) cannot occur in text: U+D7FF is
 * followed by U+E000.
 */
export const name = '0018-prefix-range';

export const up = /* sql */ `
create function roster_prefix_end(prefix text) returns text
language plpgsql immutable strict parallel safe as $$
declare
  head text := prefix;
  code int;
begin
  while head <> '' loop
    code := ascii(right(head, 1));
    head := left(head, -1);
    if code < 1114111 then
      return head || chr(case when code = 55295 then 57344 else code + 1 end);
    end if;
  end loop;
  return null;
end
$$;
`;
