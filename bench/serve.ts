/** The loopback server of the benchmarks, in a process of its own (as a real server would be). */
import { startTestServer } from '../test/helpers/servers';

const server = await startTestServer();
process.stdout.write(`${server.port}\n`);
process.on('message', () => void server.close().then(() => process.exit(0)));
