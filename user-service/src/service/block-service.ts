import { eventMeta, type EventSink } from '@wa/pkg/bus';
import { renewAfter, userStamp, type StampWriter } from '@wa/pkg/cache';
import { withTransaction, type PgPool } from '@wa/pkg/db';
import { validationError } from '@wa/pkg/errors';
import type { BlockState } from '../model/schemas.ts';
import type { BlockChange, BlockRepository } from '../repository/block-repository.ts';
import { orUserNotFound, sameId, userNotFound } from './user-views.ts';

export interface BlockServiceDeps {
  pool: PgPool;
  blocks: BlockRepository;
  /** `user.blocked` / `user.unblocked`, written in the same transaction as the change. */
  events: EventSink;
  /** The blocker's stamp, renewed before any answer (pkg/src/cache/freshness.ts). */
  stamps: StampWriter;
}

/**
 * Blocking (addenda E). The blocker's stamp is renewed before the answer, so the very next send
 * of the blocked user is judged on the new state by any message-service instance; each change that
 * took effect is also announced (a repeat changes and announces nothing).
 */
export function createBlockService({ pool, blocks, events, stamps }: BlockServiceDeps) {
  async function change(
    blockerId: string,
    blockedId: string,
    blocked: boolean,
  ): Promise<BlockState> {
    const verb = blocked ? 'block' : 'unblock';
    if (sameId(blockerId, blockedId)) throw validationError(`You cannot ${verb} yourself`);
    const { outcome, event } = await orUserNotFound(
      withTransaction(pool, async (tx) => {
        const result: BlockChange = blocked
          ? await blocks.block(tx, blockerId, blockedId)
          : await blocks.unblock(tx, blockerId, blockedId);
        if (result !== 'changed') return { outcome: result };
        const announced = await events.enqueue(tx, blocked ? 'user.blocked' : 'user.unblocked', {
          ...eventMeta(),
          blocker_id: blockerId,
          blocked_id: blockedId,
        });
        return { outcome: result, event: announced };
      }),
    );
    if (outcome === 'unknown_user') throw userNotFound();
    if (event) events.notify(event);
    return { user_id: blockedId, blocked };
  }

  return {
    block: (blockerId: string, blockedId: string) =>
      renewAfter(stamps, [userStamp(blockerId)], () => change(blockerId, blockedId, true)),
    unblock: (blockerId: string, blockedId: string) =>
      renewAfter(stamps, [userStamp(blockerId)], () => change(blockerId, blockedId, false)),
    isBlocked: (blockerId: string, blockedId: string): Promise<boolean> =>
      blocks.isBlocked(pool, blockerId, blockedId),
  };
}

export type BlockService = ReturnType<typeof createBlockService>;
