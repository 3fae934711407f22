import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { API_DOC_FILES, generateApiDocs, serialise } from './documents.ts';

/** `npm run docs:gen`: writes the OpenAPI and AsyncAPI documents the gateway serves. */
const documents = await generateApiDocs();
for (const [name, path] of Object.entries(API_DOC_FILES) as [
  keyof typeof API_DOC_FILES,
  string,
][]) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, serialise(documents[name]));
  console.log(`wrote ${relative(process.cwd(), path)}`);
}
