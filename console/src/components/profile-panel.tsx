import { useRef, useState, type FormEvent } from 'react';
import { useAppState, useController } from './app-context.ts';
import { Avatar } from './avatar.tsx';
import { Icon } from './icons.tsx';

/** A new user's first screen: the name others will see. */
export function ProfileSetup() {
  const controller = useController();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const me = await controller.api.updateMe({ display_name: name.trim() });
      controller.store.update((s) => ({ ...s, me }));
    } catch (error) {
      controller.notice(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login" data-testid="profile-setup">
      <form className="login-card" onSubmit={(e) => void submit(e)}>
        <h1>Your name</h1>
        <p>Shown to the people you chat with.</p>
        <input
          data-testid="profile-name"
          value={name}
          maxLength={64}
          onChange={(e) => setName(e.target.value)}
          placeholder="Your name"
          autoFocus
          required
        />
        <button className="primary" data-testid="profile-save" disabled={busy || !name.trim()}>
          Continue
        </button>
      </form>
    </div>
  );
}

/** Name, about and photo; the photo is an upload the avatar URL points at. */
export function ProfilePanel({ onClose }: { onClose: () => void }) {
  const controller = useController();
  const me = useAppState((s) => s.me);
  const [name, setName] = useState(me?.display_name ?? '');
  const [about, setAbout] = useState(me?.status_text ?? '');
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const updated = await controller.api.updateMe({
        display_name: name.trim(),
        status_text: about,
      });
      controller.store.update((s) => ({ ...s, me: updated }));
      controller.notice('Profile saved');
    } catch (error) {
      controller.notice(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  async function setPhoto(file: File | undefined) {
    if (!file) return;
    setBusy(true);
    try {
      const uploaded = await controller.api.upload(file, 'image');
      const url = `${location.origin}/api/v1/media/${uploaded.media_id}/download`;
      const updated = await controller.api.updateMe({ avatar_url: url });
      controller.store.update((s) => ({ ...s, me: updated }));
    } catch (error) {
      controller.notice(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  if (!me) return null;
  return (
    <aside className="panel" data-testid="profile-panel">
      <header className="panel-header">
        <button className="icon" onClick={onClose} aria-label="Back">
          <Icon name="back" />
        </button>
        <h2>Profile</h2>
      </header>
      <form className="panel-body" onSubmit={(e) => void save(e)}>
        <button type="button" className="photo-picker" onClick={() => fileInput.current?.click()}>
          <Avatar name={me.display_name} url={me.avatar_url} size={120} />
          <span>Change photo</span>
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="image/*"
          hidden
          data-testid="profile-photo-input"
          onChange={(e) => void setPhoto(e.target.files?.[0])}
        />
        <label>
          Name
          <input value={name} maxLength={64} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          About
          <input value={about} maxLength={140} onChange={(e) => setAbout(e.target.value)} />
        </label>
        <p className="muted">{me.phone}</p>
        <button className="primary" disabled={busy}>
          Save
        </button>
        <button type="button" className="danger" onClick={() => controller.signOut()}>
          Log out
        </button>
      </form>
    </aside>
  );
}
