// node-postgres' own value conversion (what its queries apply to bind values), which it exports as
// `pg/lib/utils.js` without a declaration. Used by the pipelined commit in database.ts.
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): string | Buffer | null };
  export default utils;
}
