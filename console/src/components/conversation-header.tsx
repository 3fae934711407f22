import type { ReactNode } from 'react';
import { chatTitle } from '../state/chat-list.ts';
import { lastSeen } from '../util/format.ts';
import { useAppState, useController } from './app-context.ts';
import { Avatar } from './avatar.tsx';
import { Icon } from './icons.tsx';

/** Back (on a phone), photo, name, then "typing…", online or last seen, or the group's members. */
export function ConversationHeader({ chatId, onInfo }: { chatId: string; onInfo: () => void }) {
  const controller = useController();
  const chat = useAppState((s) => s.chats[chatId]);
  const detail = useAppState((s) => s.details[chatId]);
  const typing = useAppState((s) => s.typing[chatId]);
  const names = useAppState((s) => s.names);
  const me = useAppState((s) => s.me?.id);
  const peer = chat?.participant?.id;
  const presence = useAppState((s) => (peer ? s.presence[peer] : undefined));
  const title = chatTitle(chat);
  const typists = Object.keys(typing ?? {});

  let subtitle: ReactNode = '';
  if (typists.length > 0) {
    const who =
      chat?.type === 'group' ? `${typists.map((id) => names[id] || 'Someone').join(', ')} ` : '';
    subtitle = (
      <span className="typing-text" data-testid="typing">
        {who}typing…
      </span>
    );
  } else if (chat?.type === 'direct' && presence) {
    subtitle = (
      <span data-testid="presence" data-online={presence.online}>
        {presence.online ? 'online' : lastSeen(presence.last_seen)}
      </span>
    );
  } else if (chat?.type === 'group' && detail) {
    subtitle = detail.participants
      .map((p) => (p.id === me ? 'You' : p.display_name || 'Member'))
      .join(', ');
  }

  return (
    <header className="conversation-header">
      <button
        className="icon back"
        onClick={() => void controller.openChat(null)}
        aria-label="Back"
      >
        <Icon name="back" />
      </button>
      <button className="header-title" onClick={onInfo} data-testid="chat-header">
        <Avatar
          name={title}
          url={chat?.type === 'group' ? chat.avatar_url : chat?.participant?.avatar_url}
          size={40}
        />
        <span className="header-text">
          <span className="header-name">{title}</span>
          <span className="header-sub">{subtitle}</span>
        </span>
      </button>
      {chat && (
        <button
          className="icon"
          title={chat.is_muted ? 'Unmute' : 'Mute'}
          aria-label={chat.is_muted ? 'Unmute' : 'Mute'}
          data-testid="mute-toggle"
          onClick={() =>
            void controller.api.mute(chatId, !chat.is_muted).then(
              () => controller.loadChats(),
              (e: unknown) => controller.notice(e instanceof Error ? e.message : String(e)),
            )
          }
        >
          <Icon name={chat.is_muted ? 'bellOff' : 'bell'} />
        </button>
      )}
    </header>
  );
}
