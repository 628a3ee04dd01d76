// Runs cargo on native/ with the project's build flags (see native-env.mjs), e.g.
//   node scripts/cargo.mjs test --release -p hf-host-bridge
import { spawnSync } from 'node:child_process';
import { nativeEnv, nativeManifest } from './native-env.mjs';

const [sub = 'build', ...rest] = process.argv.slice(2);
const r = spawnSync('cargo', [sub, '--manifest-path', nativeManifest, ...rest], { stdio: 'inherit', env: nativeEnv() });
process.exit(r.status ?? 1);
