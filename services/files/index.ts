import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { config } from '../config';

/*
 * Content-addressed storage: a file's key is its SHA-256, so storing the same bytes twice
 * is harmless (activities run at least once) and a key can never point at changed bytes.
 */

export interface StoredFile {
  /** `ab/abcdef…`: the first two hex digits name a directory, so none grows too large. */
  storageKey: string;
  sha256: string;
  sizeBytes: number;
}

const STORAGE_KEY = /^([0-9a-f]{2})\/(\1[0-9a-f]{62})$/;

function filesRoot(): string {
  return path.join(config().dataDir, 'files');
}

/**
 * Stores `content` under its SHA-256 and returns where. Writes to a temporary file and
 * renames it, so a reader never sees a half-written file; storing existing bytes again
 * changes nothing.
 */
export async function storeFile(content: Buffer): Promise<StoredFile> {
  const sha256 = crypto.createHash('sha256').update(content).digest('hex');
  const storageKey = `${sha256.slice(0, 2)}/${sha256}`;
  const target = path.join(filesRoot(), storageKey);

  const existing = await fs.stat(target).catch(() => undefined);
  if (existing?.size === content.length) return { storageKey, sha256, sizeBytes: content.length };

  await fs.mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temporary, content, { flag: 'wx' });
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  return { storageKey, sha256, sizeBytes: content.length };
}

/**
 * Reads the bytes stored under `storageKey`.
 * @throws RangeError when the key is not one {@link storeFile} could have produced
 *   (which also refuses `../` and absolute paths).
 * @throws the file system's ENOENT error when nothing is stored under the key.
 */
export async function readStoredFile(storageKey: string): Promise<Buffer> {
  if (!STORAGE_KEY.test(storageKey)) throw new RangeError('Not a storage key');
  return fs.readFile(path.join(filesRoot(), storageKey));
}

export type UploadContentType = 'application/pdf' | 'image/png' | 'image/jpeg';

/**
 * Recognises the upload formats we accept by their leading bytes, not by the name or the
 * type the client claims. Returns undefined for anything else.
 */
export function detectContentType(content: Buffer): UploadContentType | undefined {
  if (startsWith(content, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // "%PDF-"
  if (startsWith(content, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(content, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  return undefined;
}

function startsWith(content: Buffer, signature: readonly number[]): boolean {
  return content.length >= signature.length && signature.every((byte, i) => content[i] === byte);
}
