import { answerJson } from '../json-bytes';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Dispatch } from '../ipc/router';
import { HOST_TARGET, type Logger } from '../log/logger';
import { controlSocketPath, MAX_CONTROL_LINE, type ControlAnswer, type ControlRequest } from './protocol';

/**
 * Serves the command line while an app runs: each request goes through the same router, with the
 * same checks, as a panel's. The socket lives in `control/` of the data folder, a folder only its
 * owner may enter (and the app holds the data folder's lock, so any socket found there is stale).
 */
export async function startControlServer(home: string, dispatch: Dispatch, logger: Logger): Promise<{ close: () => Promise<void> }> {
  const path = controlSocketPath(home);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  rmSync(path, { force: true });
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let buffered = '';
    socket.setEncoding('utf8');
    const answer = (a: ControlAnswer) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(a)}\n`);
    };
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_CONTROL_LINE) {
        socket.destroy();
        return;
      }
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let request: ControlRequest;
        try {
          request = JSON.parse(line) as ControlRequest;
          if (typeof request.id !== 'number') throw new Error('no request id');
        } catch (e) {
          logger.log('warn', HOST_TARGET, `control socket: a request that is not one was dropped (${(e as Error).message})`);
          socket.destroy();
          return;
        }
        dispatch(request.channel, request.args, 'command line').then(
          (result) => !socket.destroyed && socket.write(`${answerJson(request.id, result)}\n`),
          (e: Error) => answer({ id: request.id, ok: false, error: e.message }),
        );
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((ready, failed) => {
    server.once('error', failed);
    server.listen(path, () => ready());
  });
  chmodSync(path, 0o600);
  logger.log('info', HOST_TARGET, `the command line reaches this app through ${path}`);
  return {
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        // A command line still connected must not hold the app's shutdown.
        for (const socket of open) socket.destroy();
        rmSync(path, { force: true });
      }),
  };
}
