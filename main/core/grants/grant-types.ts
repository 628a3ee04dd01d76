/** The kinds of grant the user gives, as the store keeps them and the panels show them. Pure: no Node, so panels share it. */

import type { NetworkGrant } from '../policy/engine';
import type { GrantTerms } from './terms';

/** A standing answer for a plugin's `filesystem_read`/`filesystem_write`: a folder and all below it. */
export interface FileGrant extends GrantTerms {
  permission: 'filesystem_read' | 'filesystem_write';
  folder: string;
}

/**
 * The user's "Deny always": the prompt for this origin, or for this folder, is not shown again and
 * the plugin's use of it is refused until the user revokes the denial in Grants.
 */
export type Denial = GrantTerms & { permission: 'deny' } & ({ denied: 'network_http'; scheme: 'http' | 'https'; host: string; port: number } | { denied: 'filesystem_read' | 'filesystem_write'; folder: string });

export type Grant = NetworkGrant | FileGrant | Denial;

/** What a grant covers, in words every panel and record uses: an origin, or reading or changing a folder. */
export function grantScope(g: Grant): string {
  if (g.permission === 'network_http' || (g.permission === 'deny' && g.denied === 'network_http')) return `${g.scheme}://${g.host}:${g.port}`;
  const write = g.permission === 'filesystem_write' || (g.permission === 'deny' && g.denied === 'filesystem_write');
  return `${write ? 'changing' : 'reading'} ${(g as { folder: string }).folder}/`;
}

/** How a grant may be made narrower from the Grants panel: shorter, or read-only. */
export type Narrowing = 'day' | 'read';
