// Extension-host test entry (the @vscode/test-electron model): VS Code calls run() inside the
// extension host. Results go to $MIRA_E2E_RESULTS, ending with "N passed, N failed".
import * as fs from 'node:fs';
import * as path from 'node:path';

export function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha');
  const out = process.env.MIRA_E2E_RESULTS ?? path.join(__dirname, 'results.txt');
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
    fs.writeFileSync(out + '.partial', lines.join('\n') + '\n');
  };
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  return new Promise((resolve) => {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const runner = mocha.run(() => {
      log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
      fs.renameSync(out + '.partial', out);
      resolve();
    });
    runner.on('pass', (test: { fullTitle(): string; duration?: number }) => {
      passed++;
      log(`ok   ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on('fail', (test: { fullTitle(): string }, error: Error) => {
      failed++;
      log(`FAIL ${test.fullTitle()}: ${error.stack ?? error.message}`);
    });
    runner.on('pending', (test: { fullTitle(): string }) => {
      skipped++;
      log(`skip ${test.fullTitle()}`);
    });
  });
}
