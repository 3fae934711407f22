import { useSyncExternalStore } from 'react';

/** A tiny external store: one immutable state, replaced by `update`, read with `useStore`. */
export function createStore<S>(initial: S) {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    update(change: (current: S) => S) {
      const next = change(state);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Store<S> = ReturnType<typeof createStore<S>>;

/** A slice of the store; the selector must return a part of the state, not a new object. */
export function useSlice<S, T>(store: Store<S>, select: (state: S) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}
