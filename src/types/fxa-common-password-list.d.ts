declare module 'fxa-common-password-list' {
  /** True when the password is on the list (exact match). */
  export function test(password: string): boolean;
  const list: { test(password: string): boolean };
  export default list;
}
