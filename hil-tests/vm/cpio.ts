// A gzip'd cpio archive in the "newc" format the kernel unpacks as its initramfs: a 110-byte ASCII header
// per entry (magic 070701, then 13 eight-digit hex fields), the NUL-terminated name and the data, each
// padded to 4 bytes, closed by a TRAILER!!! entry.
import { gzipSync } from "node:zlib";

export interface CpioEntry {
  name: string;
  /** Directory when absent. */
  data?: Buffer;
  mode?: number;
}

const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

function header(ino: number, mode: number, size: number, nameSize: number): Buffer {
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameSize, 0];
  return Buffer.from("070701" + fields.map((f) => f.toString(16).padStart(8, "0")).join(""), "ascii");
}

export function cpioGz(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const all = [...entries, { name: "TRAILER!!!", data: Buffer.alloc(0), mode: 0 }];
  all.forEach((e, i) => {
    const data = e.data ?? Buffer.alloc(0);
    const mode = e.mode ?? (e.data === undefined ? 0o40755 : 0o100644);
    const name = Buffer.from(`${e.name}\0`);
    const head = Buffer.concat([header(i + 1, mode, data.length, name.length), name]);
    parts.push(head, pad4(head.length), data, pad4(data.length));
  });
  return gzipSync(Buffer.concat(parts), { level: 1 });
}
