/** The kinds of grant the user gives, as the store keeps them and the panels show them. Pure: no Node, so panels share it. */

import type { NetworkGrant } from '../policy/engine';
import type { GrantTerms } from './terms';

/** A standing answer for a plugin's `filesystem_read`/`filesystem_write`: a folder and all below it. */
export interface FileGrant extends GrantTerms {
  permission: 'filesystem_read' | 'filesystem_write';
  folder: string;
}

export type Grant = NetworkGrant | FileGrant;

/** How a grant may be made narrower from the Grants panel: shorter, or read-only. */
export type Narrowing = 'day' | 'read';
