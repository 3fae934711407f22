import { useMemo, useState } from 'react';
import { chatTitle, sortedChats } from '../state/chat-list.ts';
import type { MessageView } from '../state/model.ts';
import { useAppState, useController } from './app-context.ts';
import { Avatar } from './avatar.tsx';

/** Forward a message to one or more chats (POST /messages/:id/forward). */
export function ForwardDialog({ message, onClose }: { message: MessageView; onClose: () => void }) {
  const controller = useController();
  const chats = useAppState((s) => s.chats);
  const list = useMemo(() => sortedChats(chats), [chats]);
  const [chosen, setChosen] = useState<string[]>([]);
  const toggle = (id: string) =>
    setChosen((ids) => (ids.includes(id) ? ids.filter((i) => i !== id) : [...ids, id]));

  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog" data-testid="forward-dialog" onClick={(e) => e.stopPropagation()}>
        <h2>Forward to…</h2>
        <ul className="pick-list">
          {list.map((chat) => (
            <li key={chat.chat_id}>
              <label>
                <input
                  type="checkbox"
                  checked={chosen.includes(chat.chat_id)}
                  onChange={() => toggle(chat.chat_id)}
                />
                <Avatar
                  name={chatTitle(chat)}
                  url={chat.participant?.avatar_url ?? chat.avatar_url}
                  size={32}
                />
                <span>{chatTitle(chat)}</span>
              </label>
            </li>
          ))}
        </ul>
        <div className="dialog-actions">
          <button className="link" onClick={onClose}>
            Cancel
          </button>
          <button
            className="primary"
            disabled={chosen.length === 0}
            onClick={() => {
              onClose();
              void controller.forward(message, chosen);
            }}
          >
            Forward
          </button>
        </div>
      </div>
    </div>
  );
}
