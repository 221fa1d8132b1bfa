import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * The non-blank lines of an NDJSON file, streamed. Lines are passed on as they are, JSON or not:
 * a malformed line must reach the consumer's quarantine, not vanish here.
 */
export async function* readNdjsonLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() !== '') yield line;
  }
}

/** Newline count of a file, read in chunks: the progress bar's total, close enough without parsing. */
export const countLines = async (path: string): Promise<number> => {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let index = chunk.indexOf(0x0a); index !== -1; index = chunk.indexOf(0x0a, index + 1)) lines++;
    last = chunk.at(-1) ?? last;
  }
  return last === 0x0a ? lines : lines + 1;
};
