/**
 * The control plane between the main thread and the workers (start, stop, stats): comlink
 * over worker_threads message ports. Only control goes here; records never do (they move
 * through shared memory).
 */
import { parentPort, type MessagePort, type Worker } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import { installComlinkErrors } from './error-transport.js';

// Errors thrown by a worker's calls come back with their class (DesignError, ConfigError).
installComlinkErrors();

type NodePort = MessagePort | Worker;

/** comlink's Endpoint over a Node port (comlink's own node adapter has no types). */
export function nodeEndpoint(port: NodePort): Comlink.Endpoint {
  type Handler = ((ev: { data: unknown }) => void) | { handleEvent(ev: { data: unknown }): void };
  const listeners = new WeakMap<object, (data: unknown) => void>();
  const endpoint = {
    postMessage: (msg: unknown, transfer?: unknown[]) => port.postMessage(msg, transfer as never),
    addEventListener: (_type: string, handler: Handler) => {
      const l = (data: unknown) => {
        if (typeof handler === 'function') handler({ data });
        else handler.handleEvent({ data });
      };
      port.on('message', l);
      listeners.set(handler, l);
    },
    removeEventListener: (_type: string, handler: Handler) => {
      const l = listeners.get(handler);
      if (l) {
        port.off('message', l);
        listeners.delete(handler);
      }
    },
  };
  return endpoint as unknown as Comlink.Endpoint;
}

/** In a worker: serve `api` to the main thread. */
export function serve(api: object): void {
  if (!parentPort) throw new Error('serve() must run in a worker thread');
  Comlink.expose(api, nodeEndpoint(parentPort));
}

/** In the main thread: a typed proxy of a worker's api. */
export function connect<T>(worker: Worker): Comlink.Remote<T> {
  return Comlink.wrap<T>(nodeEndpoint(worker));
}

