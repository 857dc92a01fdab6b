/**
 * The README stays true: its two commands are what CI runs and what package.json defines, the Node
 * version it asks for is the one package.json enforces, and every `npx lakebench <command>` it shows is a
 * command the CLI has. (CI runs the commands themselves, in a fresh clone: .ci/run.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../core/cli/main';

const ROOT = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  expect(start, `README has a "${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('the README', () => {
  it('gives the two commands, and they are what package.json and CI run', () => {
    const commands = /```sh\n([\s\S]*?)```/.exec(section('Two commands'))![1];
    expect(commands).toContain('npm install && npm start');
    expect(commands).toContain('npm ci && npm test');
    expect(pkg.scripts.start).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
    // CI: a fresh clone, then exactly the test command.
    expect(ci).toMatch(/git clone[^\n]*"\$clone"/);
    expect(ci).toMatch(/cd "\$clone"\n(?:echo[^\n]*\n)?npm ci[^\n]*\nnpm test\n?$/);
  });

  it('asks for the Node version package.json enforces, and says how to install offline', () => {
    const minimum = /^>=(\d+\.\d+)$/.exec(pkg.engines.node)![1];
    expect(section('Two commands')).toContain(`Node ${minimum} or newer`);
    expect(readFileSync(join(ROOT, '.npmrc'), 'utf8')).toMatch(/^engine-strict=true$/m);
    expect(ci).toContain(`a>22||(a===22&&b>=${minimum.split('.')[1]})`);
    expect(section('Two commands')).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci && npm test');
    expect(ci).toContain('export ELECTRON_SKIP_BINARY_DOWNLOAD=1');
  });

  it('shows only commands the CLI has', () => {
    const program = buildProgram();
    const known = new Set(program.commands.map((c) => c.name()));
    const shown = [...readme.matchAll(/npx lakebench ([a-z-]+)/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(20);
    expect(shown.filter((name) => !known.has(name))).toEqual([]);
  });
});
