// Site keys for frame authentication: HMAC-SHA256 truncated to 128 bits, keyed by a one-byte key id so
// keys can be rotated (receivers accept every configured key, senders use one).
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { TAG_BYTES } from "./frames.js";

export interface SiteKeyMaterial {
  id: number;
  secret: Uint8Array;
}

export class Keyring {
  private readonly keys = new Map<number, KeyObject>();

  constructor(
    material: readonly SiteKeyMaterial[],
    readonly sendKeyId: number,
  ) {
    for (const k of material) this.keys.set(k.id, createSecretKey(k.secret));
    if (!this.keys.has(sendKeyId)) throw new Error(`send key id ${sendKeyId} is not in the keyring`);
  }

  has(keyId: number): boolean {
    return this.keys.has(keyId);
  }

  /** Writes the tag of `buf[0, end)` into `buf[end, end + TAG_BYTES)`. */
  sign(buf: Buffer, end: number, keyId = this.sendKeyId): void {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`unknown key id ${keyId}`);
    const mac = createHmac("sha256", key).update(buf.subarray(0, end)).digest();
    mac.copy(buf, end, 0, TAG_BYTES);
  }

  verify(buf: Buffer, end: number, keyId: number): boolean {
    const key = this.keys.get(keyId);
    if (!key) return false;
    const mac = createHmac("sha256", key).update(buf.subarray(0, end)).digest();
    return timingSafeEqual(mac.subarray(0, TAG_BYTES), buf.subarray(end, end + TAG_BYTES));
  }
}
