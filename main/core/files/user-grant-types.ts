/** A grant the user gives by hand, as the command line asks for it and sees it. Pure: panels share it. */
import type { FileGrant } from '../grants/grant-types';
import type { Lasting } from '../grants/terms';

/** A folder or file the user grants a plugin by hand, and for how long. */
export interface UserFileGrant {
  pluginId: string;
  path: string;
  write: boolean;
  /** `once`: while the plugin runs its next command (or the ones it is running). */
  lasts: 'once' | Lasting;
  /** Who gave it, for the grant's record: "the command line". */
  by: string;
}

export interface UserGrantResult {
  /** The real path granted (links resolved). */
  path: string;
  write: boolean;
  lasts: 'once' | Lasting;
  /** The stored grant; none for `once`, which only the running plugin host holds. */
  grant: FileGrant | null;
}
