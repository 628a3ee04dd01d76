import type { AddressInfo } from 'node:net';

/**
 * The egress proxy's door on the sandbox's own loopback (design §8): the only way out for a
 * plugin's own HTTP client (reqwest, ureq and curl follow HTTP_PROXY/HTTPS_PROXY). This process
 * only opens it: the listening socket goes to main on Node's IPC channel before the plugin loads,
 * and main accepts, decides and relays every connection itself, so no byte of them passes through
 * the process that runs plugin code. Returns the port, for the proxy variables and the lockdown.
 * node:net is loaded here, not with the script: only plugins with a network permission need it.
 */
export async function handOverEgressListener(): Promise<number> {
  const server = process.getBuiltinModule('node:net').createServer();
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', listening);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((sent, failed) => {
    if (!process.send) return failed(new Error('the plugin host has no IPC channel to hand its egress listener over (it must be started by HaloForge Host)'));
    process.send({ type: 'egress-listener' }, server, (e: Error | null) => (e ? failed(e) : sent()));
  });
  // Main holds it now; this process keeps no way to accept on it.
  server.close();
  return port;
}

/**
 * Closes the IPC channel (main's end closes when it reads the end of it, and main loads no plugin
 * before): no plugin code ever finds it open. Resolves once it is closed: Node holds the channel
 * open until main has acknowledged the listener it was sent.
 */
export function closeHandover(): Promise<void> {
  return new Promise((closed) => {
    process.once('disconnect', () => closed());
    process.disconnect();
  });
}
