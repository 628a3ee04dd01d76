/**
 * Run as a child process by faults.test.ts: a main that starts the hello plugin over the given
 * HALOFORGE_HOME, prints its plugin host's pid, and then waits to be killed without shutting down.
 */
import { createHost } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';

const [home] = process.argv.slice(2);
const host = createHost({ home: home as string, logger: new FileLogger(homeLayout(home as string).logs, '') });
host.plugins.discover();
await host.start();
process.stdout.write(`${host.plugins.pidOf('dev.example.my-plugin')}\n`);
setInterval(() => undefined, 60_000);
