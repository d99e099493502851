/** The built-in designs, by name. */
import { ConfigError } from '../model/errors.js';
import { didYouMean } from '../base/did-you-mean.js';
import type { SwapDesign } from './design.js';
import { spareSwap } from './spare-swap.js';
import { suspendCopy } from './suspend-copy.js';
import { irqCopy } from './irq-copy.js';
import { kernelCircular } from './kernel-circular.js';

export const BUILTIN_DESIGNS: readonly SwapDesign[] = [suspendCopy, spareSwap, irqCopy, kernelCircular];

export function builtinDesign(name: string): SwapDesign {
  const d = BUILTIN_DESIGNS.find((x) => x.name === name);
  if (!d) {
    const names = BUILTIN_DESIGNS.map((x) => x.name);
    throw new ConfigError('design', name, `one of ${names.join(', ')}${didYouMean(name, names)}`);
  }
  return d;
}
