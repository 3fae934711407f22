import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mayView,
  presenceForViewer,
  profileForViewer,
  type Relation,
} from '../src/model/privacy.ts';
import { AUDIENCES, type Audience } from '../src/model/schemas.ts';

const SELF: Relation = { self: true, inOwnerContacts: false, blockedByOwner: false };
const CONTACT: Relation = { self: false, inOwnerContacts: true, blockedByOwner: false };
const STRANGER: Relation = { self: false, inOwnerContacts: false, blockedByOwner: false };
const BLOCKED_CONTACT: Relation = { self: false, inOwnerContacts: true, blockedByOwner: true };
const BLOCKED_STRANGER: Relation = { self: false, inOwnerContacts: false, blockedByOwner: true };

/** The whole matrix: setting × relation → visible. */
const EXPECTED: Record<Audience, [Relation, boolean][]> = {
  everyone: [
    [SELF, true],
    [CONTACT, true],
    [STRANGER, true],
    [BLOCKED_CONTACT, false],
    [BLOCKED_STRANGER, false],
  ],
  contacts: [
    [SELF, true],
    [CONTACT, true],
    [STRANGER, false],
    [BLOCKED_CONTACT, false],
    [BLOCKED_STRANGER, false],
  ],
  nobody: [
    [SELF, true],
    [CONTACT, false],
    [STRANGER, false],
    [BLOCKED_CONTACT, false],
    [BLOCKED_STRANGER, false],
  ],
};

test('mayView follows the setting for every relation, and a block always hides', () => {
  for (const audience of AUDIENCES) {
    for (const [relation, visible] of EXPECTED[audience]) {
      assert.equal(mayView(audience, relation), visible, `${audience} ${JSON.stringify(relation)}`);
    }
  }
});

const owner = {
  id: 'u1',
  phone: '+4915100000001',
  display_name: 'Owner',
  avatar_url: 'https://cdn.example.com/o.jpg',
  status_text: 'Busy',
};

test('profileForViewer guards photo and about independently; name and phone always show', () => {
  for (const photo of AUDIENCES) {
    for (const about of AUDIENCES) {
      for (const [relation] of EXPECTED.everyone) {
        const seen = profileForViewer(owner, { profile_photo: photo, about }, relation);
        assert.equal(seen.display_name, 'Owner');
        assert.equal(seen.phone, owner.phone);
        assert.equal(seen.avatar_url, mayView(photo, relation) ? owner.avatar_url : '');
        assert.equal(seen.status_text, mayView(about, relation) ? owner.status_text : '');
      }
    }
  }
});

test('presenceForViewer hides online and last seen together', () => {
  const facts = { online: true, lastSeen: new Date('2026-01-01T00:00:00Z') };
  for (const audience of AUDIENCES) {
    for (const [relation, visible] of EXPECTED[audience]) {
      const seen = presenceForViewer(facts, audience, relation);
      assert.deepEqual(seen, visible ? facts : { online: false, lastSeen: null });
    }
  }
});
