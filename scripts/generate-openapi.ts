/** Writes docs/openapi.json: the OpenAPI document of the daemon's API, as a server built on an empty store serves it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { glidepathVersion } from '../src/shared/version.js';
import { startTestApi } from '../src/testing/test-api.js';

const api = await startTestApi();
try {
  const answer = await api.app.inject({ url: '/docs/json' });
  const document = JSON.parse(answer.body) as { info: { version: string; description: string } };
  // The document of any daemon: glidepath's version, no particular service.
  document.info.version = glidepathVersion();
  document.info.description = document.info.description.replace(' of shop.', ' of the service in the plan.');
  writeFileSync(join(import.meta.dirname, '..', 'docs', 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
} finally {
  await api.close();
}
