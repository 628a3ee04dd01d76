import { lookup } from 'node:dns/promises';

/** Resolves a host name to every address it has. Tests stub it; the app uses the system resolver. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
