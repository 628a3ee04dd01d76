import { describePermission, type DescribedPermission } from '../manifest/permissions';
import type { Manifest } from '../manifest/validate';

export type PermissionStatus = 'granted' | 'needs-approval' | 'off';

export interface PermissionState extends DescribedPermission {
  /**
   * granted: Transparent, or approved (Standard/Sensitive), or turned on by hand (Restricted);
   * needs-approval: Standard/Sensitive not approved yet; off: Restricted and not turned on.
   */
  status: PermissionStatus;
}

/** The install-time approval rules of contract §2.5, for one manifest and one record. */
export function permissionStates(manifest: Manifest, record: { approved: readonly string[]; restrictedEnabled: readonly string[] } | undefined): PermissionState[] {
  return manifest.permissions.map((p) => {
    const d = describePermission(p);
    const status: PermissionStatus =
      d.tier === 'Transparent'
        ? 'granted'
        : d.tier === 'Restricted'
          ? record?.restrictedEnabled.includes(d.key)
            ? 'granted'
            : 'off'
          : record?.approved.includes(d.key)
            ? 'granted'
            : 'needs-approval';
    return { ...d, status };
  });
}

/** The permissions a plugin may use now: what the policy engine is given. */
export function grantedPermissions(states: readonly PermissionState[]): Array<{ type: string; value?: unknown }> {
  return states.filter((s) => s.status === 'granted').map((s) => (s.value === undefined ? { type: s.type } : { type: s.type, value: s.value }));
}

export function pendingApproval(states: readonly PermissionState[]): PermissionState[] {
  return states.filter((s) => s.status === 'needs-approval');
}
