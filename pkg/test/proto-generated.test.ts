import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const committed = join(root, 'pkg/src/grpc/gen');

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();

test('generated gRPC code matches proto/ (run `npm run proto:gen` after editing a .proto)', () => {
  const out = mkdtempSync(join(tmpdir(), 'proto-gen-'));
  try {
    const template = readFileSync(join(root, 'proto/buf.gen.yaml'), 'utf8').replace(
      /out: .*/,
      `out: ${out}`,
    );
    const templatePath = join(out, 'buf.gen.yaml');
    writeFileSync(templatePath, template);
    execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--template', templatePath], {
      cwd: join(root, 'proto'),
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
      stdio: 'pipe',
    });
    rmSync(templatePath);
    const expected = listFiles(out);
    assert.deepEqual(listFiles(committed), expected, 'generated file list differs');
    for (const file of expected) {
      assert.equal(
        readFileSync(join(committed, file), 'utf8'),
        readFileSync(join(out, file), 'utf8'),
        `${file} is stale`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
