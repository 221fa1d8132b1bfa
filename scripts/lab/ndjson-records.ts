import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;
const CR = 0x0d;

const isBlank = (line: Uint8Array): boolean => line.every((b) => b === 0x20 || b === 0x09 || b === CR);

/**
 * The lines of an NDJSON file as bytes, as a stream record carries them: read in chunks and never
 * decoded to text here (the event decoder does that once), so a month of events streams in constant
 * memory. Blank lines are skipped; a trailing carriage return is dropped.
 */
export async function* readNdjsonRecords(path: string): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    let data: Uint8Array = chunk;
    if (carry.length > 0) {
      data = Buffer.concat([carry, chunk]);
      carry = new Uint8Array(0);
    }
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
      const line = data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end);
      start = end + 1;
      if (line.length > 0 && !isBlank(line)) yield line;
    }
    carry = data.slice(start);
  }
  if (carry.length > 0 && !isBlank(carry))
    yield carry[carry.length - 1] === CR ? carry.subarray(0, -1) : carry;
}
