import { useRef, useState, type FormEvent } from 'react';
import { previewOf } from '../state/messages.ts';
import type { MessageView } from '../state/model.ts';
import { useAppState, useController } from './app-context.ts';
import { Icon } from './icons.tsx';

interface ComposerProps {
  chatId: string;
  replyTo: MessageView | null;
  onCancelReply: () => void;
  onSent: () => void;
}

/** Text, an attachment (image or document), and the message being replied to. */
export function Composer({ chatId, replyTo, onCancelReply, onSent }: ComposerProps) {
  const controller = useController();
  const me = useAppState((s) => s.me?.id);
  const replyName = useAppState((s) => (replyTo ? s.names[replyTo.sender_id] : undefined));
  const [text, setText] = useState('');
  const [uploading, setUploading] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    controller.send(chatId, 'text', { body }, replyTo?.message_id);
    setText('');
    onSent();
  }

  async function attach(file: File | undefined) {
    if (!file) return;
    setUploading(true);
    try {
      await controller.sendFile(chatId, file, text.trim(), replyTo?.message_id);
      setText('');
      onSent();
    } catch {
      // The controller has shown why.
    } finally {
      setUploading(false);
      if (fileInput.current) fileInput.current.value = '';
    }
  }

  return (
    <form className="composer" onSubmit={submit} data-testid="composer">
      {replyTo && (
        <div className="reply-preview" data-testid="reply-preview">
          <div className="quote">
            <span className="quote-name">
              {replyTo.sender_id === me ? 'You' : replyName || 'Member'}
            </span>
            <span className="quote-text">
              {previewOf(replyTo.type, replyTo.payload, replyTo.is_deleted)}
            </span>
          </div>
          <button type="button" className="icon" onClick={onCancelReply} aria-label="Cancel reply">
            <Icon name="close" />
          </button>
        </div>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="icon attach"
          aria-label="Attach a photo or document"
          title="Attach"
          disabled={uploading}
          onClick={() => fileInput.current?.click()}
        >
          <Icon name={uploading ? 'spinner' : 'clip'} />
        </button>
        <input
          ref={fileInput}
          type="file"
          hidden
          data-testid="attach-input"
          accept="image/*,application/pdf,.pdf,.txt,.doc,.docx,.xls,.xlsx,.zip,video/*,audio/*"
          onChange={(e) => void attach(e.target.files?.[0])}
        />
        <input
          className="composer-input"
          data-testid="composer-input"
          placeholder="Type a message"
          value={text}
          maxLength={4096}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value) controller.typing.keystroke(chatId);
            else controller.typing.stop(chatId);
          }}
          onBlur={() => controller.typing.stop(chatId)}
          autoComplete="off"
        />
        <button className="send" aria-label="Send" data-testid="send" disabled={!text.trim()}>
          <Icon name="send" size={20} />
        </button>
      </div>
    </form>
  );
}
