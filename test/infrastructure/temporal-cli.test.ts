import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, setConfig } from '../../services/config';
import { locateTemporalCli, PROJECT_CLI_PATH } from '../../services/temporal/cli-binary';

function fakeExecutable(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return file;
}

describe('locateTemporalCli', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-test-'));
  });
  afterEach(() => {
    setConfig(loadConfig());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uses TEMPORAL_CLI_PATH before anything else', async () => {
    const configured = fakeExecutable(dir, 'my-temporal');
    fakeExecutable(dir, 'temporal');
    setConfig(loadConfig({ ...process.env, TEMPORAL_CLI_PATH: configured, PATH: dir }));

    await expect(locateTemporalCli()).resolves.toEqual({ path: configured, source: 'TEMPORAL_CLI_PATH' });
  });

  it('refuses a TEMPORAL_CLI_PATH that is not an executable file, naming it', async () => {
    const missing = path.join(dir, 'nothing-here');
    setConfig(loadConfig({ ...process.env, TEMPORAL_CLI_PATH: missing }));

    await expect(locateTemporalCli()).rejects.toThrow(missing);
  });

  it('finds temporal on PATH when TEMPORAL_CLI_PATH is unset', async () => {
    const onPath = fakeExecutable(dir, 'temporal');
    setConfig(
      loadConfig({
        ...process.env,
        TEMPORAL_CLI_PATH: undefined,
        PATH: `/nonexistent${path.delimiter}${dir}`,
      }),
    );

    await expect(locateTemporalCli()).resolves.toEqual({ path: onPath, source: 'PATH' });
  });

  it('falls back to the project cache in .temporal/bin when nothing else is configured', async () => {
    // .ci/run builds the cache before the tests; without it this would start a Go build.
    expect(fs.existsSync(PROJECT_CLI_PATH)).toBe(true);
    setConfig(loadConfig({ ...process.env, TEMPORAL_CLI_PATH: undefined, PATH: dir }));

    await expect(locateTemporalCli()).resolves.toEqual({ path: PROJECT_CLI_PATH, source: 'project-cache' });
  });
});
