// electron-builder's beforePack hook: gives the package better-sqlite3 built for the Electron version,
// platform and architecture being packaged (scripts/build-sqlite-addon.ts → out/native/…, which `files`
// packs and `asarUnpack` keeps outside app.asar). npm's Node build in node_modules is left alone, which is
// why electron-builder.yml turns npmRebuild off: rebuilding in place would break the CLI and the tests.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

/** electron-builder's Arch enum (builder-util) by value, as Node names architectures. */
const ARCH_NAMES = ['ia32', 'x64', 'arm', 'arm64'];

exports.default = async function beforePack(context) {
  const arch = ARCH_NAMES[context.arch];
  if (!arch) throw new Error(`build-sqlite-addon: package x64 and arm64 separately (no universal build of better-sqlite3)`);
  const root = join(__dirname, '..');
  const args = [
    join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    join(root, 'scripts', 'build-sqlite-addon.ts'),
    '--runtime', 'electron',
    '--target', context.packager.info.framework.version,
    '--platform', context.electronPlatformName,
    '--arch', arch,
  ];
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`build-sqlite-addon failed for Electron on ${context.electronPlatformName}-${arch}`);
};
