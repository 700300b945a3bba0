import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

/**
 * Just enough of the zip format to stream the parts of an `.xlsx` in the order we need
 * them. Reading through the central directory (instead of one pass over the stored
 * order) is what makes sheet names and shared strings known before any sheet is read:
 * exceljs's streaming reader relies on the stored order and, on Node ≥ 18, intermittently
 * drops entries or loses the sheet names (exceljs/exceljs#3064).
 */

/** One file inside the package. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  /** Offset of the local file header. */
  offset: number;
}

/** A zip package opened for reading entries one at a time. */
export interface ZipPackage {
  entries: Map<string, ZipEntry>;
  /** Streams an entry's uncompressed bytes. */
  open(entry: ZipEntry): Promise<Readable>;
  close(): Promise<void>;
}

const endOfCentralDirectory = 0x06054b50;
const centralHeader = 0x02014b50;
const localHeader = 0x04034b50;

/** Thrown when the file is not a zip package we can read; the message says why. */
export class NotAZipError extends Error {}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function centralDirectory(handle: FileHandle, size: number): Promise<Map<string, ZipEntry>> {
  // The end record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  const tailLength = Math.min(size, 22 + 65_535);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === endOfCentralDirectory) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new NotAZipError('the file is not a zip package');
  const count = tail.readUInt16LE(at + 10);
  const length = tail.readUInt32LE(at + 12);
  const start = tail.readUInt32LE(at + 16);
  if (count === 0xffff || start === 0xffffffff) throw new NotAZipError('zip64 packages are not supported');
  const directory = await readAt(handle, start, length);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== centralHeader)
      throw new NotAZipError('the zip directory is damaged');
    const nameLength = directory.readUInt16LE(p + 28);
    const name = directory.toString('utf8', p + 46, p + 46 + nameLength);
    entries.set(name, {
      name,
      method: directory.readUInt16LE(p + 10),
      compressedSize: directory.readUInt32LE(p + 20),
      offset: directory.readUInt32LE(p + 42),
    });
    p += 46 + nameLength + directory.readUInt16LE(p + 30) + directory.readUInt16LE(p + 32);
  }
  return entries;
}

/** Opens a zip file and reads its directory; entries are streamed later, one by one. */
export async function openZip(file: string): Promise<ZipPackage> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const entries = await centralDirectory(handle, size);
    return {
      entries,
      async open(entry) {
        const header = await readAt(handle, entry.offset, 30);
        if (header.length < 30 || header.readUInt32LE(0) !== localHeader)
          throw new NotAZipError(`the zip entry ${entry.name} is damaged`);
        const dataStart = entry.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
        if (entry.method !== 0 && entry.method !== 8)
          throw new NotAZipError(`the zip entry ${entry.name} uses an unsupported compression (${entry.method})`);
        if (entry.compressedSize === 0) return Readable.from([]);
        const raw = createReadStream(file, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
        if (entry.method === 0) return raw;
        const inflate = createInflateRaw();
        raw.on('error', (error) => inflate.destroy(error));
        return raw.pipe(inflate);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
