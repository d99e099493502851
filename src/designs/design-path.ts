/** Whether `--design` names a module file rather than a built-in design. */
export function isDesignPath(name: string): boolean {
  return name.includes('/') || name.endsWith('.js') || name.endsWith('.mjs');
}
