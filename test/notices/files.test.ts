import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, setConfig } from '../../services/config';
import { detectContentType, readStoredFile, storeFile } from '../../services/files';

let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'files-test-'));
  setConfig(loadConfig({ ...process.env, DATA_DIR: dataDir }));
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('the file store', () => {
  it('stores bytes under their SHA-256 and reads the same bytes back', async () => {
    const content = Buffer.from('%PDF-1.7 受理通知书');

    const stored = await storeFile(content);

    const sha256 = crypto.createHash('sha256').update(content).digest('hex');
    expect(stored).toEqual({
      storageKey: `${sha256.slice(0, 2)}/${sha256}`,
      sha256,
      sizeBytes: content.length,
    });
    expect(await readStoredFile(stored.storageKey)).toEqual(content);
  });

  it('stores the same bytes twice as one file, leaving no temporary files behind', async () => {
    const content = crypto.randomBytes(1024);

    const [first, second] = await Promise.all([storeFile(content), storeFile(content)]);

    expect(second).toEqual(first);
    const directory = path.join(dataDir, 'files', first.storageKey.slice(0, 2));
    expect(await fs.readdir(directory)).toEqual([first.sha256]);
  });

  const forged = [
    '../../etc/passwd',
    'ab/../../secret',
    '/etc/passwd',
    `ab/${'a'.repeat(64)}`, // a real key's directory repeats the hash's first two digits
    'ab\\..\\x',
    '',
  ];
  it.each(forged)('refuses the key %p, which storeFile could not have produced', async (key) => {
    await expect(readStoredFile(key)).rejects.toThrow(RangeError);
  });

  it('reports a well-formed key with nothing stored as missing', async () => {
    await expect(readStoredFile(`ab/ab${'0'.repeat(62)}`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('detectContentType', () => {
  it.each([
    ['a PDF', Buffer.from('%PDF-1.4\n'), 'application/pdf'],
    ['a PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]), 'image/png'],
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'image/jpeg'],
    ['an HTML page', Buffer.from('<html>%PDF-'), undefined],
    ['a ZIP archive', Buffer.from([0x50, 0x4b, 0x03, 0x04]), undefined],
    ['an empty upload', Buffer.alloc(0), undefined],
    ['a truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e]), undefined],
  ])('recognises %s by its leading bytes', (_what, content, expected) => {
    expect(detectContentType(content)).toBe(expected);
  });
});
