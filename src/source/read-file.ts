import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Reads a file kaic was asked to judge, with two guarantees (issue 13): it never blocks on a FIFO,
 * socket or device (`PRODUCT.yaml -> /dev/zero` once read 24 GB), and it never reads more than
 * `limit` bytes, whatever the file claims its size is.
 */
export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; message: string };

export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export const formatBytes = (n: number) => (n >= 1048576 ? `${+(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

/** `what` names the limit in the message: "the 2 MiB limit for PRODUCT.yaml files". */
export function readRegularFile(file: string, limit: number, what: string): ReadResult {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever (and no signal
    // handler runs while the main thread is blocked in a synchronous open).
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, message: 'no such file' };
    if (code === 'ENXIO') return { ok: false, message: 'is a socket or FIFO, not a regular file; refused' };
    if (code === 'ELOOP') return { ok: false, message: 'symbolic link loop' };
    return { ok: false, message: `cannot read (${code ?? String(e)})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, message: `is ${kindOf(st)}, not a regular file; refused` };
    if (st.size > limit) return { ok: false, message: `is ${formatBytes(st.size)}, over ${what} (${formatBytes(limit)})` };
    // Read at most limit + 1 bytes: a file that grows while read (or lies about its size) still stops.
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(Math.min(limit + 1, 1 << 16));
    for (;;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, limit + 1 - total), null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
      total += n;
      if (total > limit) return { ok: false, message: `is larger than ${what} (${formatBytes(limit)})` };
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, message: `cannot read (${code ?? String(e)})` };
  } finally {
    closeSync(fd);
  }
}

/** The first `n` bytes of a regular file, without blocking on FIFOs or devices; undefined otherwise. */
export function readHead(file: string, n: number): { bytes: Buffer; size: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(n, st.size));
    const got = buf.length ? readSync(fd, buf, 0, buf.length, 0) : 0;
    return { bytes: buf.subarray(0, got), size: st.size };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
