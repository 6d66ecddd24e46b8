import type { Rt } from "./types.ts";

/**
 * What keeps an invocation's "event loop" alive, as Node counts it for `beforeExit`: timers that
 * are not unref()'d and pending fetches. Lambda's Node.js runtime for nodejs20.x/22.x answers a
 * callback handler (and a sync handler that never calls back) only once the loop is empty
 * (aws/aws-lambda-nodejs-runtime-interface-client 3.x: src/Runtime.js `_setDefaultExitListener`,
 * src/CallbackContext.js); the lambda module waits on this. Set up by the timers module.
 */
export interface EventLoop {
  /** Counters of other live handles (the fetch module's pending requests). */
  handles: Array<() => number>;
  /** Live handles of the current invocation. */
  active(): number;
  /** Runs `callback` once the current turn (its microtasks included) is over; keeps nothing alive. */
  immediate(callback: () => void): void;
  /** Called after each timer callback or fetch settlement, when set. */
  afterActivity: (() => void) | null;
}

/** `Rt` with the event loop; a separate type so the prelude's shared types stay as they are. */
export type RtWithLoop = Rt & { loop: EventLoop };
