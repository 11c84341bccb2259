/**
 * Sealing of secrets that Roster must read back (webhook signing secrets, which feed an HMAC, so a hash will not
 * do). With a 32-byte key they are stored as `v1.<base64url(iv | tag | AES-256-GCM ciphertext)>`; without one,
 * as `plain.<secret>`. Both forms stay readable, so a key can be introduced later; rows written before are
 * re-sealed at their next rotation.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretBox {
  constructor(private readonly key: Buffer | undefined) {
    if (key && key.length !== 32) throw new Error('the secrets key must be 32 bytes');
  }

  seal(secret: string): string {
    if (!this.key) return `plain.${secret}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string): string {
    if (sealed.startsWith('plain.')) return sealed.slice('plain.'.length);
    if (!sealed.startsWith('v1.')) throw new Error('unknown sealed secret format');
    if (!this.key) throw new Error('a sealed secret needs ROSTER_WEBHOOK_SECRETS_KEY to be read');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
