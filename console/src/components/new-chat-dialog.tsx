import { useState, type FormEvent } from 'react';
import { useController } from './app-context.ts';
import { findUsers, parsePhones } from './people.ts';

/** A direct chat with one phone number, or a group with a name and several. */
export function NewChatDialog({ onClose }: { onClose: () => void }) {
  const controller = useController();
  const [kind, setKind] = useState<'direct' | 'group'>('direct');
  const [phones, setPhones] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const users = await findUsers(controller.api, parsePhones(phones));
      const chat =
        kind === 'direct'
          ? await controller.api.createDirect(users[0].user_id)
          : await controller.api.createGroup(
              name.trim(),
              users.map((u) => u.user_id),
            );
      await controller.loadChats();
      onClose();
      await controller.openChat(chat.chat_id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <form
        className="dialog"
        data-testid="new-chat-dialog"
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => void submit(e)}
      >
        <h2>New chat</h2>
        <div className="tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={kind === 'direct'}
            onClick={() => setKind('direct')}
          >
            Direct
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={kind === 'group'}
            data-testid="new-group-tab"
            onClick={() => setKind('group')}
          >
            Group
          </button>
        </div>
        {kind === 'group' && (
          <label>
            Group name
            <input
              data-testid="group-name"
              value={name}
              maxLength={100}
              onChange={(e) => setName(e.target.value)}
              required
            />
          </label>
        )}
        <label>
          {kind === 'direct'
            ? 'Phone number'
            : 'Members’ phone numbers (at least two, one per line)'}
          {kind === 'direct' ? (
            <input
              data-testid="new-chat-phone"
              type="tel"
              placeholder="+14155550123"
              value={phones}
              onChange={(e) => setPhones(e.target.value)}
              required
              autoFocus
            />
          ) : (
            <textarea
              data-testid="group-phones"
              rows={4}
              value={phones}
              onChange={(e) => setPhones(e.target.value)}
              required
            />
          )}
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="link" onClick={onClose}>
            Cancel
          </button>
          <button className="primary" data-testid="new-chat-start" disabled={busy}>
            {kind === 'direct' ? 'Chat' : 'Create group'}
          </button>
        </div>
      </form>
    </div>
  );
}
