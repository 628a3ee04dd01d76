import type { FileGrant } from '../grants/grant-types';
import type { Manifest } from '../manifest/validate';
import type { ManifestPermission, NetworkGrant } from '../policy/engine';
import { grantedPermissions, pendingApproval, permissionStates, type PermissionState } from './approvals';
import type { PluginRecord } from './registry';

/**
 * Everything that decides what one plugin may do, resolved once from its manifest, its record
 * (approvals, Restricted toggles, enabled), the user's grants and the local network toggle. Every
 * check (router, broker, files, programs, frames, events) reads this one frozen value; it is
 * rebuilt when any of its sources changes, never re-derived by a reader.
 */
export interface PluginAuthority {
  readonly pluginId: string;
  readonly name: string;
  readonly enabled: boolean;
  /** Every manifest permission with its tier and status, for panels and approval. */
  readonly states: readonly PermissionState[];
  /** The permissions it may use now (approved, or Restricted and turned on): what the policy engine is given. */
  readonly permissions: readonly ManifestPermission[];
  /** Standard and Sensitive permissions still waiting for approval: while there are any, it does not run. */
  readonly pending: readonly PermissionState[];
  /** The programs its granted `process_spawn_whitelist` names. */
  readonly whitelist: readonly string[];
  /** The commands other plugins may call (`"exported": true` in its manifest). */
  readonly exported: ReadonlySet<string>;
  readonly localNetwork: boolean;
  readonly grants: {
    readonly network: readonly NetworkGrant[];
    readonly files: readonly FileGrant[];
  };
  /** Whether it holds a permission of this type now. */
  holds(type: string): boolean;
}

export interface AuthoritySources {
  manifest: Manifest;
  record: Pick<PluginRecord, 'approved' | 'restrictedEnabled' | 'enabled'> | undefined;
  grants: { network: readonly NetworkGrant[]; files: readonly FileGrant[] };
  localNetwork: boolean;
}

/** Copies, so that what the store later changes in place (a grant's last use) never shows through. */
const frozenCopies = <T extends object>(list: readonly T[]): readonly T[] => Object.freeze(list.map((item) => Object.freeze({ ...item })));

/** Resolves a plugin's authority. Pure: the same sources give the same authority. */
export function resolveAuthority(sources: AuthoritySources): PluginAuthority {
  const { manifest, record } = sources;
  const states = Object.freeze(permissionStates(manifest, record).map((s) => Object.freeze(s)));
  const permissions = frozenCopies(grantedPermissions(states));
  const types = new Set(permissions.map((p) => p.type));
  const whitelist = permissions
    .filter((p) => p.type === 'process_spawn_whitelist')
    .flatMap((p) => (Array.isArray(p.value) ? p.value.filter((v): v is string => typeof v === 'string') : []));
  return Object.freeze({
    pluginId: manifest.id,
    name: manifest.name,
    enabled: record?.enabled ?? false,
    states,
    permissions,
    pending: Object.freeze(pendingApproval(states)),
    whitelist: Object.freeze([...new Set(whitelist)]),
    exported: new Set((manifest.commands ?? []).filter((c) => c.exported === true).map((c) => c.id)),
    localNetwork: sources.localNetwork,
    grants: Object.freeze({ network: frozenCopies(sources.grants.network), files: frozenCopies(sources.grants.files) }),
    holds: (type: string) => types.has(type),
  });
}

/** A plugin as the services acting for it (files, programs) see it: main's knowledge, never its plugin host's word. */
export interface ServedPlugin {
  /** Its data folder, links resolved. */
  readonly dataDir: string;
  /** What it may do at the moment of the call. */
  readonly authority: PluginAuthority;
}
