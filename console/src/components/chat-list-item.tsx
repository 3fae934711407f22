import type { ChatSummary } from '../api/types.ts';
import { chatTitle } from '../state/chat-list.ts';
import { listTime } from '../util/format.ts';
import { useAppState, useController } from './app-context.ts';
import { Avatar } from './avatar.tsx';
import { Icon } from './icons.tsx';

/** One row: photo, name, last message or "typing…", time, unread badge and mute mark. */
export function ChatListItem({ chat }: { chat: ChatSummary }) {
  const controller = useController();
  const me = useAppState((s) => s.me);
  const active = useAppState((s) => s.activeChatId === chat.chat_id);
  const typing = useAppState((s) => s.typing[chat.chat_id]);
  const peer = chat.participant?.id;
  const online = useAppState((s) => (peer ? s.presence[peer]?.online : false));
  const title = chatTitle(chat);
  const last = chat.last_message;
  const someoneTyping = typing && Object.keys(typing).length > 0;
  const mine = last?.sender_id === me?.id && last?.type !== 'system';

  return (
    <li
      className={`chat-item ${active ? 'active' : ''}`}
      data-testid="chat-item"
      data-chat-id={chat.chat_id}
      onClick={() => void controller.openChat(chat.chat_id)}
    >
      <Avatar
        name={title}
        url={chat.type === 'group' ? chat.avatar_url : chat.participant?.avatar_url}
        size={48}
        online={online}
      />
      <div className="chat-item-body">
        <div className="chat-item-top">
          <span className="chat-title" data-testid="chat-title">
            {title}
          </span>
          <span className={`chat-time ${chat.unread_count > 0 ? 'unread' : ''}`}>
            {last ? listTime(last.timestamp) : ''}
          </span>
        </div>
        <div className="chat-item-bottom">
          <span className="chat-preview" data-testid="chat-preview">
            {someoneTyping ? (
              <em className="typing-text">typing…</em>
            ) : last ? (
              `${mine ? 'You: ' : ''}${last.preview}`
            ) : (
              <span className="muted">{chat.type === 'group' ? 'Group created' : 'Say hello'}</span>
            )}
          </span>
          {chat.is_muted && (
            <span className="muted-mark" title="Muted" data-testid="muted">
              <Icon name="bellOff" size={16} />
            </span>
          )}
          {chat.unread_count > 0 && (
            <span className={`badge ${chat.is_muted ? 'badge-muted' : ''}`} data-testid="unread">
              {chat.unread_count}
            </span>
          )}
        </div>
      </div>
    </li>
  );
}
