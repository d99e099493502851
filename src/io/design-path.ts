/** The rule that tells a design module's path from a built-in design's name (`--design`). */
export function isDesignPath(name: string): boolean {
  return name.includes('/') || name.endsWith('.js') || name.endsWith('.mjs');
}
