// Builds native/ in release mode; cargo makes later runs incremental.
import { spawnSync } from 'node:child_process';
import { CARGO_MISSING, cargoAvailable, nativeEnv, nativeManifest } from './native-env.mjs';

if (!cargoAvailable()) {
  console.error(`haloforge: ${CARGO_MISSING}`);
  process.exit(1);
}
const r = spawnSync('cargo', ['build', '--release', '--locked', '--manifest-path', nativeManifest], { stdio: 'inherit', env: nativeEnv() });
if (r.status !== 0) {
  console.error('haloforge: building native/ with cargo failed (see above).');
  process.exit(r.status ?? 1);
}
