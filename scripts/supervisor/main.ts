// `make run` / `make dev` (after scripts/run-stack.sh's set-up): every service of the local stack
// under the supervisor, which restarts any that exits or stops answering /health.
//   node scripts/supervisor/main.ts [--watch]
import { resolve } from 'node:path';
import { DEFAULT_POLICY } from './policy.ts';
import { runSupervisor } from './run.ts';
import { FCM_EMULATOR_PORT, GATEWAY_PORT, JAEGER_UI_PORT, localStackServices } from './stack.ts';

const root = resolve(import.meta.dirname, '../..');
const watch = process.argv.includes('--watch');
const gateway = `http://127.0.0.1:${GATEWAY_PORT}`;
const banner = [
  '',
  `Gateway: ${gateway}  (WebSocket: ws://127.0.0.1:${GATEWAY_PORT}/ws)`,
  `Try:     curl -s -X POST ${gateway}/api/v1/auth/request-otp -H 'content-type: application/json' -d '{"phone":"+14155550123"}'`,
  ...(process.env.JAEGER_BIN ? [`Traces:  http://127.0.0.1:${JAEGER_UI_PORT} (Jaeger)`] : []),
  `Pushes:  http://127.0.0.1:${FCM_EMULATOR_PORT}/emulator/messages?token=<device token> (FCM emulator)`,
  'A service that exits or fails /health is restarted; logs in .run/<service>.log. Ctrl-C stops the services.',
  '',
].join('\n');

runSupervisor({
  services: localStackServices({ watch }),
  cwd: root,
  logDir: resolve(root, '.run'),
  policy: DEFAULT_POLICY,
  // Above the 15 s each service gives its own shutdown before exiting 1 (pkg/src/service/run.ts).
  graceMs: 20_000,
  onAllHealthy: () => process.stdout.write(`${banner}\n`),
});
