import type { Rt, WebAbortSignal } from "./types.ts";

/**
 * In-isolate: minimal DOM `Event` and `EventTarget` (no bubbling or capture phases: targets here
 * have no tree), enough for AbortSignal and for libraries that subclass EventTarget. A listener's
 * exception is reported as uncaught, as Node reports it. Serialised: self-contained.
 */
export function installEvents(_g: Record<string, unknown>, rt: Rt): void {
  interface Listener {
    callback: unknown;
    capture: boolean;
    once: boolean;
    removed: boolean;
  }
  let setTarget: (event: Event, target: EventTarget | null) => void = () => {};
  let stoppedImmediately: (event: Event) => boolean = () => false;
  const origin = Date.now();
  // The abort module is installed only once something uses AbortSignal; before that no signal exists.
  const isSignal = (value: unknown): value is WebAbortSignal => typeof rt.web.isAbortSignal === "function" && rt.web.isAbortSignal(value);

  class Event {
    #type: string;
    #bubbles: boolean;
    #cancelable: boolean;
    #composed: boolean;
    #target: EventTarget | null = null;
    #canceled = false;
    #stopImmediate = false;
    #timeStamp = Date.now() - origin;
    static {
      setTarget = (event, target) => {
        event.#target = target;
      };
      stoppedImmediately = (event) => event.#stopImmediate;
    }
    constructor(type: unknown, init: unknown = {}) {
      if (arguments.length === 0) throw new TypeError('The "type" argument must be specified');
      const opts = (init ?? {}) as { bubbles?: unknown; cancelable?: unknown; composed?: unknown };
      this.#type = String(type);
      this.#bubbles = Boolean(opts.bubbles);
      this.#cancelable = Boolean(opts.cancelable);
      this.#composed = Boolean(opts.composed);
    }
    get type(): string {
      return this.#type;
    }
    get target(): EventTarget | null {
      return this.#target;
    }
    get currentTarget(): EventTarget | null {
      return this.#target;
    }
    get srcElement(): EventTarget | null {
      return this.#target;
    }
    get eventPhase(): number {
      return this.#target === null ? 0 : 2;
    }
    get bubbles(): boolean {
      return this.#bubbles;
    }
    get cancelable(): boolean {
      return this.#cancelable;
    }
    get composed(): boolean {
      return this.#composed;
    }
    get defaultPrevented(): boolean {
      return this.#canceled;
    }
    get returnValue(): boolean {
      return !this.#canceled;
    }
    get isTrusted(): boolean {
      return false;
    }
    get timeStamp(): number {
      return this.#timeStamp;
    }
    get cancelBubble(): boolean {
      return this.#stopImmediate;
    }
    preventDefault(): void {
      if (this.#cancelable) this.#canceled = true;
    }
    stopPropagation(): void {}
    stopImmediatePropagation(): void {
      this.#stopImmediate = true;
    }
    composedPath(): EventTarget[] {
      return this.#target === null ? [] : [this.#target];
    }
  }

  class EventTarget {
    #listeners = new Map<string, Listener[]>();
    addEventListener(type: unknown, callback: unknown, options: unknown = {}): void {
      if (callback === null || callback === undefined) return;
      const opts = typeof options === "boolean" ? { capture: options } : ((options ?? {}) as { capture?: unknown; once?: unknown; signal?: unknown });
      const name = String(type);
      const capture = Boolean(opts.capture);
      const signal = opts.signal;
      if (isSignal(signal) && signal.aborted) return;
      const list = this.#listeners.get(name) ?? [];
      if (list.some((l) => l.callback === callback && l.capture === capture)) return;
      list.push({ callback, capture, once: Boolean(opts.once), removed: false });
      this.#listeners.set(name, list);
      if (isSignal(signal)) {
        rt.web.onAbort(signal, () => this.removeEventListener(name, callback, { capture }));
      }
    }
    removeEventListener(type: unknown, callback: unknown, options: unknown = {}): void {
      const capture = typeof options === "boolean" ? options : Boolean((options as { capture?: unknown } | null)?.capture);
      const list = this.#listeners.get(String(type));
      if (list === undefined) return;
      const index = list.findIndex((l) => l.callback === callback && l.capture === capture);
      if (index < 0) return;
      (list[index] as Listener).removed = true;
      list.splice(index, 1);
    }
    dispatchEvent(event: unknown): boolean {
      if (!(event instanceof Event)) throw new TypeError('The "event" argument must be an instance of Event');
      setTarget(event, this);
      const list = this.#listeners.get(event.type);
      for (const listener of list === undefined ? [] : [...list]) {
        if (listener.removed) continue;
        if (listener.once) this.removeEventListener(event.type, listener.callback, { capture: listener.capture });
        try {
          const cb = listener.callback as { handleEvent?: unknown };
          if (typeof cb === "function") (cb as (e: Event) => unknown).call(this, event);
          else if (typeof cb.handleEvent === "function") (cb.handleEvent as (e: Event) => unknown).call(cb, event);
        } catch (error) {
          rt.uncaught(error);
        }
        if (stoppedImmediately(event)) break;
      }
      return !event.defaultPrevented;
    }
  }
  for (const cls of [Event, EventTarget]) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
  }
  for (const [name, value] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]] as const) {
    Object.defineProperty(Event, name, { value, enumerable: true });
    Object.defineProperty(Event.prototype, name, { value, enumerable: true });
  }

  rt.web.Event = Event;
  rt.web.EventTarget = EventTarget;
  rt.web.defineGlobal("Event", Event);
  rt.web.defineGlobal("EventTarget", EventTarget);
}
