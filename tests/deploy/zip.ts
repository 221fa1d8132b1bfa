import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

export class UnreadableZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableZipError';
  }
}

const signatureAt = (zip: Buffer, offset: number, signature: number): void => {
  if (zip.readUInt32LE(offset) !== signature) {
    throw new UnreadableZipError(`expected signature 0x${signature.toString(16)} at byte ${offset}`);
  }
};

/**
 * Reads every entry of a zip archive (stored or deflated, no zip64), enough to look inside the
 * deployment packages the framework writes without another dependency.
 */
export const readZip = (zip: Buffer): ZipEntry[] => {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new UnreadableZipError('no end of central directory record');
  signatureAt(zip, end, END_OF_CENTRAL_DIRECTORY);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    signatureAt(zip, offset, CENTRAL_DIRECTORY_HEADER);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    signatureAt(zip, localHeader, LOCAL_FILE_HEADER);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    if (method !== STORED && method !== DEFLATED) {
      throw new UnreadableZipError(`${name}: unsupported compression method ${method}`);
    }
    entries.push({ name, data: method === STORED ? Buffer.from(raw) : inflateRawSync(raw) });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
};
