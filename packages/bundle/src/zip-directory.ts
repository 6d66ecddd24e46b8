/**
 * Reads a zip's central directory (PKWARE APPNOTE.TXT 4.3.12-4.3.16, zip64 in 4.3.14-4.3.15 and
 * 4.5.3): where each entry's data is and how it is compressed. Sizes are taken only to find the
 * stored bytes; what an entry inflates to is never read from here (zip.ts counts real output).
 * Throws a plain `Error` for anything malformed; the caller maps it to Lambda's message.
 */

/** One file or directory of the archive. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else is refused by the caller. */
  method: number;
  encrypted: boolean;
  /** CRC-32 of the uncompressed bytes, from the central directory. */
  crc: number;
  /** The entry's bytes as stored in the zip (a view, not a copy). */
  data: Uint8Array;
}

const END_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_END_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA_ID = 0x0001;
const END_SIZE = 22;
const MAX_COMMENT = 0xffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;

class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number { this.check(at, 2); return this.view.getUint16(at, true); }
  u32(at: number): number { this.check(at, 4); return this.view.getUint32(at, true); }
  u64(at: number): number {
    this.check(at, 8);
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("zip64 value out of range");
    return Number(value);
  }
  slice(at: number, length: number): Uint8Array { this.check(at, length); return this.bytes.subarray(at, at + length); }
  check(at: number, length: number): void {
    if (at < 0 || length < 0 || at + length > this.bytes.length) throw new Error("zip structure points outside the file");
  }
}

/** Lists the entries in central-directory order (the order `unzip` extracts them). */
export function readZipDirectory(zip: Uint8Array): ZipEntry[] {
  const r = new Reader(zip);
  const end = findEnd(r);
  let count = r.u16(end + 10);
  let directoryOffset = r.u32(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (r.u32(locator) !== ZIP64_LOCATOR_SIGNATURE) throw new Error("zip64 end locator missing");
    const end64 = r.u64(locator + 8);
    if (r.u32(end64) !== ZIP64_END_SIGNATURE) throw new Error("zip64 end record missing");
    count = r.u64(end64 + 32);
    directoryOffset = r.u64(end64 + 48);
  }

  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (r.u32(at) !== CENTRAL_SIGNATURE) throw new Error("central directory entry missing");
    const flags = r.u16(at + 8);
    const method = r.u16(at + 10);
    const crc = r.u32(at + 16);
    let compressedSize = r.u32(at + 20);
    const uncompressedSize = r.u32(at + 24);
    const nameLength = r.u16(at + 28);
    const extraLength = r.u16(at + 30);
    const commentLength = r.u16(at + 32);
    let localOffset = r.u32(at + 42);
    const nameBytes = r.slice(at + 46, nameLength);
    const extra = r.slice(at + 46 + nameLength, extraLength);
    if (compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      const zip64 = readZip64Extra(extra, uncompressedSize === 0xffffffff, compressedSize === 0xffffffff, localOffset === 0xffffffff);
      compressedSize = zip64.compressedSize ?? compressedSize;
      localOffset = zip64.localOffset ?? localOffset;
    }
    // The data follows the local header, whose name and extra lengths may differ from the central ones.
    if (r.u32(localOffset) !== LOCAL_SIGNATURE) throw new Error("local header missing");
    const dataStart = localOffset + 30 + r.u16(localOffset + 26) + r.u16(localOffset + 28);
    entries.push({
      name: new TextDecoder(flags & FLAG_UTF8 ? "utf-8" : "latin1").decode(nameBytes),
      method,
      encrypted: (flags & FLAG_ENCRYPTED) !== 0,
      crc,
      data: r.slice(dataStart, compressedSize),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The end-of-central-directory record: the last signature within a comment's reach of the end. */
function findEnd(r: Reader): number {
  const last = r.bytes.length - END_SIZE;
  for (let at = last; at >= 0 && at >= last - MAX_COMMENT; at--) {
    if (r.view.getUint32(at, true) === END_SIGNATURE) return at;
  }
  throw new Error("end of central directory not found");
}

/** The zip64 extended-information extra field holds, in order, only the fields set to 0xFFFFFFFF. */
function readZip64Extra(extra: Uint8Array, hasUncompressed: boolean, hasCompressed: boolean, hasOffset: boolean) {
  const r = new Reader(extra);
  for (let at = 0; at + 4 <= extra.length; at += 4 + r.u16(at + 2)) {
    if (r.u16(at) !== ZIP64_EXTRA_ID) continue;
    let field = at + 4;
    if (hasUncompressed) field += 8;
    const compressedSize = hasCompressed ? r.u64(field) : undefined;
    if (hasCompressed) field += 8;
    const localOffset = hasOffset ? r.u64(field) : undefined;
    return { compressedSize, localOffset };
  }
  throw new Error("zip64 extra field missing");
}
