import { useState, type FormEvent } from 'react';
import type { ChatDetail } from '../api/types.ts';
import { useAppState, useController } from './app-context.ts';
import { Avatar } from './avatar.tsx';
import { findUsers, parsePhones } from './people.ts';

interface MembersProps {
  detail: ChatDetail;
  isAdmin: boolean;
  run: (action: () => Promise<unknown>, done?: string) => Promise<void>;
}

/** Members with their roles; admins add by phone, remove, and make or dismiss admins. */
export function GroupMembers({ detail, isAdmin, run }: MembersProps) {
  const controller = useController();
  const me = useAppState((s) => s.me?.id);
  const [phones, setPhones] = useState('');
  const chatId = detail.chat_id;

  function add(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const users = await findUsers(controller.api, parsePhones(phones));
      await controller.api.addMembers(
        chatId,
        users.map((u) => u.user_id),
      );
      setPhones('');
    }, 'Added');
  }

  return (
    <section className="members" data-testid="group-members">
      <h4>{detail.participants.length} members</h4>
      {isAdmin && (
        <form className="add-member" onSubmit={add}>
          <input
            type="tel"
            placeholder="Add by phone number"
            value={phones}
            onChange={(e) => setPhones(e.target.value)}
            data-testid="add-member-phone"
          />
          <button className="primary" disabled={!phones.trim()}>
            Add
          </button>
        </form>
      )}
      <ul>
        {detail.participants.map((p) => (
          <li key={p.id} className="member" data-testid="member" data-user-id={p.id}>
            <Avatar name={p.display_name} url={p.avatar_url} size={36} />
            <span className="member-name">{p.id === me ? 'You' : p.display_name || 'Member'}</span>
            {p.role === 'admin' && <span className="role">Admin</span>}
            {isAdmin && p.id !== me && (
              <span className="member-actions">
                <button
                  className="link"
                  onClick={() =>
                    void run(() =>
                      controller.api.setRole(chatId, p.id, p.role === 'admin' ? 'member' : 'admin'),
                    )
                  }
                >
                  {p.role === 'admin' ? 'Dismiss admin' : 'Make admin'}
                </button>
                <button
                  className="link danger-text"
                  onClick={() => void run(() => controller.api.removeMember(chatId, p.id))}
                >
                  Remove
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
