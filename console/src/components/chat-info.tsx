import { useEffect, useState, type FormEvent } from 'react';
import type { ChatDetail, PublicProfile } from '../api/types.ts';
import { chatTitle } from '../state/chat-list.ts';
import { useAppState, useController } from './app-context.ts';
import { Avatar } from './avatar.tsx';
import { GroupMembers } from './group-members.tsx';
import { Icon } from './icons.tsx';

/** Details of the open chat: the other person, or the group with its admin actions. */
export function ChatInfo({ chatId, onClose }: { chatId: string; onClose: () => void }) {
  const chat = useAppState((s) => s.chats[chatId]);
  const detail = useAppState((s) => s.details[chatId]);
  return (
    <aside className="panel info-panel" data-testid="chat-info">
      <header className="panel-header">
        <button className="icon" onClick={onClose} aria-label="Close">
          <Icon name="close" />
        </button>
        <h2>{chat?.type === 'group' ? 'Group info' : 'Contact info'}</h2>
      </header>
      <div className="panel-body">
        <div className="info-top">
          <Avatar
            name={chatTitle(chat)}
            url={chat?.type === 'group' ? chat.avatar_url : chat?.participant?.avatar_url}
            size={96}
          />
          <h3>{chatTitle(chat)}</h3>
        </div>
        {detail?.type === 'group' ? (
          <GroupSettings detail={detail} />
        ) : (
          chat?.participant && <ContactDetails userId={chat.participant.id} />
        )}
      </div>
    </aside>
  );
}

function ContactDetails({ userId }: { userId: string }) {
  const { api } = useController();
  const [profile, setProfile] = useState<PublicProfile | null>(null);
  useEffect(() => {
    let live = true;
    void api.user(userId).then(
      (p) => live && setProfile(p),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, userId]);
  if (!profile) return null;
  return (
    <dl className="facts">
      <dt>Phone</dt>
      <dd>{profile.phone || 'hidden'}</dd>
      <dt>About</dt>
      <dd>{profile.status_text || '—'}</dd>
    </dl>
  );
}

function GroupSettings({ detail }: { detail: ChatDetail }) {
  const controller = useController();
  const me = useAppState((s) => s.me?.id);
  const isAdmin = detail.participants.some((p) => p.id === me && p.role === 'admin');
  const [name, setName] = useState(detail.name ?? '');
  const [description, setDescription] = useState(detail.description ?? '');

  async function run(action: () => Promise<unknown>, done?: string) {
    try {
      await action();
      await controller.loadDetail(detail.chat_id);
      await controller.loadChats();
      if (done) controller.notice(done);
    } catch (error) {
      controller.notice(error instanceof Error ? error.message : String(error));
    }
  }

  function save(event: FormEvent) {
    event.preventDefault();
    void run(
      () => controller.api.updateGroup(detail.chat_id, { name: name.trim(), description }),
      'Group saved',
    );
  }

  return (
    <>
      {isAdmin ? (
        <form className="group-form" onSubmit={save}>
          <label>
            Name
            <input
              value={name}
              maxLength={100}
              onChange={(e) => setName(e.target.value)}
              required
            />
          </label>
          <label>
            Description
            <textarea
              rows={2}
              maxLength={512}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={detail.is_admin_only}
              onChange={(e) =>
                void run(() =>
                  controller.api.updateGroup(detail.chat_id, { is_admin_only: e.target.checked }),
                )
              }
            />
            Only admins can send messages
          </label>
          <button className="primary">Save</button>
        </form>
      ) : (
        detail.description && <p className="description">{detail.description}</p>
      )}
      <GroupMembers detail={detail} isAdmin={isAdmin} run={run} />
      <button
        className="danger"
        data-testid="leave-group"
        onClick={() =>
          void run(async () => {
            await controller.api.removeMember(detail.chat_id, me ?? '');
            await controller.openChat(null);
          }, 'You left the group')
        }
      >
        Leave group
      </button>
    </>
  );
}
