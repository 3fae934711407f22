/** One frame waiting for the call that carries it. */
interface Waiting<T, R> {
  item: T;
  resolve: (answer: R) => void;
  reject: (error: unknown) => void;
}

export interface CallGroupSettings<T, R> {
  /**
   * Makes one call for `items`; resolves with each item's answer in order: an Error is that
   * item's own refusal. A rejection fails every item of the call.
   */
  call: (items: T[]) => Promise<(R | Error)[]>;
  /** How many of the oldest waiting items the next call carries (at least 1). */
  take: (waiting: readonly T[]) => number;
  /**
   * When idle, how long the first item waits for others before its call (default 0: at once).
   * For frames off the delivery path (receipts), whose calls and statements then carry more.
   */
  lingerMs?: number;
}

/**
 * Group commit for calls to another service, over every socket of this instance: an item goes
 * when no call is in flight (at once, or after `lingerMs` for company); items arriving meanwhile,
 * from any user, wait for it and then share one call. So frames that arrive together (the sends of
 * many users, the receipts of a group message, a replayed backlog, every open chat reading what it
 * receives) cost one call and one store write per round trip instead of one per frame. Each item
 * settles with its own answer; a failed call fails the items it carried (the client resends: sends
 * are idempotent on client_msg_id, receipts by nature).
 * Not pkg's createWriteBatch: that one writes each item alone again after a failed batch, which
 * for a call to a service that is down would only multiply the calls.
 */
export function createCallGroup<T, R = void>({
  call,
  take,
  lingerMs = 0,
}: CallGroupSettings<T, R>) {
  let waiting: Waiting<T, R>[] = [];
  let calling = false;
  let lingering: NodeJS.Timeout | undefined;

  async function callWhileWaiting(): Promise<void> {
    lingering = undefined;
    calling = true;
    while (waiting.length > 0) {
      const count = Math.max(1, take(waiting.map((entry) => entry.item)));
      const carried = waiting.slice(0, count);
      waiting = waiting.slice(count);
      try {
        const answers = await call(carried.map((entry) => entry.item));
        carried.forEach((entry, i) => {
          const answer = answers[i];
          if (answer instanceof Error) entry.reject(answer);
          else entry.resolve(answer);
        });
      } catch (error) {
        for (const entry of carried) entry.reject(error);
      }
    }
    calling = false;
  }

  return (item: T): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (calling || lingering) return;
      if (lingerMs <= 0) void callWhileWaiting();
      else lingering = setTimeout(() => void callWhileWaiting(), lingerMs);
    });
}
