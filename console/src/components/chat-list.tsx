import { useMemo, useState } from 'react';
import { sortedChats } from '../state/chat-list.ts';
import { useAppState } from './app-context.ts';
import { Avatar } from './avatar.tsx';
import { ChatListItem } from './chat-list-item.tsx';
import { NewChatDialog } from './new-chat-dialog.tsx';
import { Icon } from './icons.tsx';

/** The sidebar: who I am, a search box and every chat, newest activity first. */
export function ChatList({ onProfile }: { onProfile: () => void }) {
  const me = useAppState((s) => s.me);
  const chats = useAppState((s) => s.chats);
  const loaded = useAppState((s) => s.chatsLoaded);
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const list = useMemo(() => sortedChats(chats), [chats]);
  const shown = list.filter((chat) => {
    const title = chat.type === 'group' ? chat.name : chat.participant?.display_name;
    return (title ?? '').toLowerCase().includes(filter.trim().toLowerCase());
  });

  return (
    <section className="chat-list" data-testid="chat-list">
      <header className="sidebar-header">
        <button className="me" onClick={onProfile} aria-label="Profile" data-testid="open-profile">
          <Avatar name={me?.display_name ?? ''} url={me?.avatar_url} size={40} />
          <span className="me-name">{me?.display_name}</span>
        </button>
        <button
          className="icon"
          onClick={() => setCreating(true)}
          aria-label="New chat"
          data-testid="new-chat"
          title="New chat"
        >
          <Icon name="plus" />
        </button>
      </header>
      <div className="search">
        <input
          placeholder="Search chats"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          aria-label="Search chats"
        />
      </div>
      <ul className="chats" role="list">
        {shown.map((chat) => (
          <ChatListItem key={chat.chat_id} chat={chat} />
        ))}
        {loaded && list.length === 0 && (
          <li className="muted empty-list">No chats yet. Start one with the + button.</li>
        )}
      </ul>
      {creating && <NewChatDialog onClose={() => setCreating(false)} />}
    </section>
  );
}
