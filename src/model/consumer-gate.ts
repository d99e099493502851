/** Whether a consumer's thread waits for it (notify-resume gates); zod-free, for the CPU workers. */
import type { ConsumerSpec } from './config.js';

/** Does this consumer's thread wait for it (a callbackDelay other than 0)? */
export function isGated(c: ConsumerSpec): boolean {
  return c.callbackDelay !== undefined && c.callbackDelay !== 0;
}
