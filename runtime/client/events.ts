/** `window.mikr0.events`: a small bus for component-to-component messages. */
export type Listener = (data?: any) => void;

export interface EventBus {
  on(name: string, listener: Listener): void;
  off(names: string | string[], listener?: Listener): void;
  fire(name: string, data?: unknown): void;
  reset(): void;
}

export function createEventBus(): EventBus {
  const listeners = new Map<string, Set<Listener>>();
  return {
    on(name, listener) {
      if (typeof listener !== 'function') throw new TypeError(`mikr0.events.on("${name}", listener): the listener must be a function`);
      (listeners.get(name) ?? listeners.set(name, new Set()).get(name)!).add(listener);
    },
    off(names, listener) {
      for (const name of Array.isArray(names) ? names : [names]) {
        if (listener) listeners.get(name)?.delete(listener);
        else listeners.delete(name);
      }
    },
    fire(name, data) {
      // One failing listener does not stop the others; its error is still reported.
      for (const listener of [...(listeners.get(name) ?? [])]) {
        try {
          listener(data);
        } catch (error) {
          setTimeout(() => {
            throw error;
          });
        }
      }
    },
    reset() {
      listeners.clear();
    },
  };
}
