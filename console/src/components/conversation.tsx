import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MessageView } from '../state/model.ts';
import { useAppState, useController } from './app-context.ts';
import { ChatInfo } from './chat-info.tsx';
import { Composer } from './composer.tsx';
import { ConversationHeader } from './conversation-header.tsx';
import { ForwardDialog } from './forward-dialog.tsx';
import { MessageBubble } from './message-bubble.tsx';

/** The open chat: header, messages (oldest at the top), composer; the info panel beside it. */
export function Conversation({ chatId }: { chatId: string }) {
  const controller = useController();
  const chat = useAppState((s) => s.chats[chatId]);
  const messages = useAppState((s) => s.messages[chatId]);
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [forwarding, setForwarding] = useState<MessageView | null>(null);
  const [infoOpen, setInfoOpen] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const items = messages?.items;
  const byId = useMemo(() => {
    const map = new Map<string, MessageView>();
    for (const m of items ?? []) if (m.message_id) map.set(m.message_id, m);
    return map;
  }, [items]);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  }, [items]);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const onScroll = () => {
      stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    };
    element.addEventListener('scroll', onScroll);
    return () => element.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <div className="conversation-wrap">
      <section className="conversation" data-testid="conversation" data-chat-id={chatId}>
        <ConversationHeader chatId={chatId} onInfo={() => setInfoOpen((open) => !open)} />
        <div className="messages" ref={scroller} data-testid="messages">
          {messages?.hasMore && (
            <button
              className="load-earlier"
              onClick={() => {
                stickToBottom.current = false;
                void controller.loadHistory(chatId, true);
              }}
            >
              Load earlier messages
            </button>
          )}
          {!messages && <div className="muted center">Loading…</div>}
          {items?.map((message) => (
            <MessageBubble
              key={message.client_msg_id ?? message.key}
              message={message}
              quoted={
                message.reply_to_message_id ? byId.get(message.reply_to_message_id) : undefined
              }
              showSender={chat?.type === 'group'}
              onReply={setReplyTo}
              onForward={setForwarding}
            />
          ))}
        </div>
        <Composer
          chatId={chatId}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          onSent={() => {
            stickToBottom.current = true;
            setReplyTo(null);
          }}
        />
      </section>
      {infoOpen && <ChatInfo chatId={chatId} onClose={() => setInfoOpen(false)} />}
      {forwarding && <ForwardDialog message={forwarding} onClose={() => setForwarding(null)} />}
    </div>
  );
}
