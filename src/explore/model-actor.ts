/**
 * The modelled clock's loop as an actor of the explorer. It takes the same steps as
 * ModelLoop.run, each shared-memory operation of its own one the explorer may interleave.
 *
 * There is no host copier under the explorer, so no event waits for the host; and the loop's
 * notifies are performed here as operations (ModelLoop's notifiesAsOps), so the explorer
 * wakes their waiters. It must reach the same figures whatever the interleaving.
 */
import { G_COORD_SLEEP, G_DOORBELL } from '../mem/layout.js';
import type { SharedMem } from '../mem/shared-mem.js';
import type { Step } from '../designs/design.js';
import type { ModelLoop } from '../backend/model/model-loop.js';

export function* modelLoopActor(loop: ModelLoop, mem: SharedMem): Step {
  for (;;) {
    const bell = yield* mem.load(G_DOORBELL);
    loop.poll();
    let h = loop.horizon();
    let did = 0;
    for (let e = loop.due(h); e; e = loop.due(h)) {
      if (loop.fire(e)) throw new Error('internal: a step waited for the host under the explorer');
      did++;
      h = loop.lowered(h);
    }
    for (const i of loop.takeNotifies()) yield* mem.notify(i);
    if (did > 0) continue;
    if (loop.finished(h)) return;
    const wake = loop.sleepsUntil();
    yield* mem.store(G_COORD_SLEEP, 1);
    if (loop.mustSleep(wake)) yield* mem.wait(G_DOORBELL, bell, Infinity);
    yield* mem.store(G_COORD_SLEEP, 0);
  }
}
