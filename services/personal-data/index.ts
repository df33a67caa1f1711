import crypto from 'node:crypto';
import { config } from '../config';

/**
 * Protection at rest for sensitive personal information (PIPL): names and identity
 * numbers are stored encrypted with AES-256-GCM; a keyed HMAC lets the database find
 * the same identity number again without holding it in the clear.
 */
const VERSION = 'v1';

function key(): Buffer {
  return Buffer.from(config().personalDataKey, 'base64');
}

/** Encrypts `plain` into `v1:<iv>:<tag>:<ciphertext>`, each part base64. */
export function sealPersonalData(plain: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key(), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
    .join(':');
}

/**
 * Decrypts a value from {@link sealPersonalData}.
 * @throws Error when the value was altered or sealed with another key.
 */
export function openPersonalData(sealed: string): string {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== VERSION || !iv || !tag || !body) throw new Error('Unrecognised sealed personal data');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key(), Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
}

/** A stable keyed digest for finding equal values (the same person on two beds). */
export function personalDataDigest(plain: string): string {
  return crypto.createHmac('sha256', key()).update(plain, 'utf8').digest('hex');
}

/** 张三丰 → 张**; a one-character name keeps its character. */
export function maskPersonName(name: string): string {
  const chars = [...name.trim()];
  return chars.length <= 1 ? chars.join('') : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}
