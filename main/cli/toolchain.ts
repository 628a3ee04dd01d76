import { installToolchain, TOOLCHAIN_NAME } from '../core/bridges/toolchain-install';
import { UsageError, type Output } from './usage';

export const TOOLCHAIN_USAGE = 'haloforge toolchain install <version>   # e.g. 1.97.0: what a plugin built by that rustc needs';

/**
 * Installs a Rust toolchain with rustup: a plugin built by that compiler then loads with a bridge
 * built by it (see core/bridges). It needs no app and no data folder: rustup keeps toolchains itself.
 */
export async function toolchainCommand(argv: string[], io: Output): Promise<number> {
  const [verb, name] = argv;
  if (verb !== 'install' || !name) throw new UsageError('toolchain install needs a toolchain version, such as 1.97.0');
  if (!TOOLCHAIN_NAME.test(name)) throw new UsageError(`"${name}" is not a toolchain name (such as 1.97.0 or nightly-2026-05-20)`);
  const result = await installToolchain(name, (line) => io.err(`${line}\n`));
  if (!result.ok) {
    io.err(`haloforge: rustup could not install ${name}\n`);
    return 1;
  }
  io.out(`${JSON.stringify({ installed: name })}\n`);
  return 0;
}
