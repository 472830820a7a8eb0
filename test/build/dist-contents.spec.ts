import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

// dist/ is what the production image runs. It is compiled from tsconfig.build.json alone, so the project's file list
// (every file tsc would compile, the imported ones included) is exactly what dist/ can contain.

const root = path.resolve(import.meta.dirname, '../..');
const TEST_OR_DEMO = /(^|\/)(test|sandbox|bench|scripts)\/|\.(spec|integration-spec|e2e-spec)\.ts$|fixture|\.fake\.|(^|\/)test-|virtual-clock/;

function compiledFiles(): string[] {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  const out = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: root, encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.includes('/node_modules/'))
    .map((file) => path.relative(root, file).split(path.sep).join('/'))
    .sort();
}

function productionSources(dir = 'src'): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return productionSources(file);
      return file.endsWith('.ts') && !TEST_OR_DEMO.test(file) ? [file] : [];
    })
    .sort();
}

describe('the production build (tsconfig.build.json -> dist/)', () => {
  const files = compiledFiles();

  it('should compile the entry points', () => {
    expect(files).toEqual(expect.arrayContaining(['src/main.ts', 'src/cli.ts']));
  });

  it('should compile nothing outside src/: no test helper, fixture, fake upstream or sandbox code', () => {
    expect(files.filter((file) => !file.startsWith('src/'))).toEqual([]);
    expect(files.filter((file) => TEST_OR_DEMO.test(file))).toEqual([]);
  });

  it('should compile exactly the production files of src/', () => {
    expect(files).toEqual(productionSources());
  });
});
