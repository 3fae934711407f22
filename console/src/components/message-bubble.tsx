import { useState } from 'react';
import { previewOf } from '../state/messages.ts';
import type { MessageView } from '../state/model.ts';
import { clockTime } from '../util/format.ts';
import { useAppState, useController } from './app-context.ts';
import { MediaContent } from './media-content.tsx';
import { Ticks } from './ticks.tsx';
import { Icon } from './icons.tsx';

interface BubbleProps {
  message: MessageView;
  quoted: MessageView | undefined;
  showSender: boolean;
  onReply: (message: MessageView) => void;
  onForward: (message: MessageView) => void;
}

/** One message: sender (in groups), quote, forwarded mark, content, time and ticks, and its menu. */
export function MessageBubble({ message, quoted, showSender, onReply, onForward }: BubbleProps) {
  const controller = useController();
  const me = useAppState((s) => s.me?.id);
  const senderName = useAppState((s) => s.names[message.sender_id]);
  const quotedName = useAppState((s) => (quoted ? s.names[quoted.sender_id] : undefined));
  const [menu, setMenu] = useState(false);
  const mine = message.sender_id === me;
  const text = message.type === 'text' ? message.payload.body : message.payload.caption;
  const canAct = !!message.message_id && !message.is_deleted;

  if (message.type === 'system') {
    return (
      <div
        className="system-row"
        data-testid="message"
        data-message-id={message.message_id ?? ''}
        data-type="system"
      >
        <span className="system-pill">{message.payload.body}</span>
      </div>
    );
  }

  const act = (action: () => unknown) => () => {
    setMenu(false);
    void action();
  };

  return (
    <div
      className={`message-row ${mine ? 'mine' : 'theirs'}`}
      data-testid="message"
      data-message-id={message.message_id ?? ''}
      data-client-msg-id={message.client_msg_id ?? ''}
      data-status={message.status}
      data-mine={mine}
      data-type={message.type}
    >
      <div className={`bubble ${message.is_deleted ? 'deleted' : ''}`}>
        {showSender && !mine && <div className="sender">{senderName || 'Member'}</div>}
        {message.forwarded && !message.is_deleted && (
          <div className="forwarded">
            <Icon name="forward" size={13} /> Forwarded
          </div>
        )}
        {message.reply_to_message_id && !message.is_deleted && (
          <div className="quote" data-testid="quote">
            <span className="quote-name">
              {quoted ? (quoted.sender_id === me ? 'You' : quotedName || 'Member') : ''}
            </span>
            <span className="quote-text">
              {quoted
                ? previewOf(quoted.type, quoted.payload, quoted.is_deleted)
                : 'Earlier message'}
            </span>
          </div>
        )}
        {message.is_deleted ? (
          <em className="deleted-text" data-testid="message-text">
            <Icon name="ban" size={15} /> This message was deleted
          </em>
        ) : (
          <>
            {message.type !== 'text' && (
              <MediaContent type={message.type} payload={message.payload} />
            )}
            {text && (
              <span className="text" data-testid="message-text">
                {text}
              </span>
            )}
          </>
        )}
        <span className="meta">
          {clockTime(message.created_at)}
          {mine && <Ticks status={message.status} />}
        </span>
        {canAct && (
          <button
            className="bubble-menu-button"
            aria-label="Message menu"
            data-testid="message-menu"
            onClick={() => setMenu((open) => !open)}
          >
            <Icon name="chevron" size={18} />
          </button>
        )}
        {menu && (
          <div className="menu" role="menu" onMouseLeave={() => setMenu(false)}>
            <button role="menuitem" onClick={act(() => onReply(message))}>
              Reply
            </button>
            <button role="menuitem" onClick={act(() => onForward(message))}>
              Forward
            </button>
            <button role="menuitem" onClick={act(() => controller.deleteMessage(message, 'me'))}>
              Delete for me
            </button>
            {mine && (
              <button
                role="menuitem"
                data-testid="delete-everyone"
                onClick={act(() => controller.deleteMessage(message, 'everyone'))}
              >
                Delete for everyone
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
