/** What an install shows the user and what they answer. Pure: no Node, so panels share it. */

import type { Manifest } from '../manifest/validate';
import type { PermissionState } from './approvals';

/** What changes when a package replaces an installed plugin: the user confirms this, not just the permissions. */
export interface UpgradeDiff {
  fromVersion: string;
  toVersion: string;
  fromAuthor: string;
  toAuthor: string;
  /** The SHA-256 of the native library approved before (null for records older than this check), and of the new one. */
  fromLibrarySha256: string | null;
  toLibrarySha256: string;
  /** Permission keys the new version asks for and the old one did not, and the other way round. */
  added: string[];
  removed: string[];
}

/** What the user is shown before anything is enabled. */
export interface InstallPreview {
  manifest: Manifest;
  /** What was installed from and what was checked, e.g. "package x.hfpkg (sha256 … verified against the digest you gave)". */
  source: string;
  permissions: PermissionState[];
  /** The SHA-256 of its native library, as it will be recorded and checked at every start. */
  librarySha256: string;
  /** Set when the package replaces an installed plugin of the same id. */
  upgrade: UpgradeDiff | null;
}

/** How a confirmed install may go: replace an installed plugin, and check the package against a digest the user gave. */
export interface InstallOptions {
  upgrade?: boolean;
  sha256?: string;
  /** Install even though some permissions stay unapproved: the plugin waits, off, until they are approved. */
  leaveWaiting?: boolean;
}

/** Which pending Standard/Sensitive permissions the user approves: all of them, some keys, or none. */
export type Approval = 'all' | 'none' | readonly string[];
