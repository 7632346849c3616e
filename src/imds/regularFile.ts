// Reading a file a person named (user-data, a config, a snapshot): only a regular file, and only
// up to a size cap checked before reading. `/dev/zero` would fill memory and a FIFO would block
// the process forever; both are refused with the file and the reason named.
import { constants, promises as fs } from 'node:fs';

export class FileInputError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'FileInputError';
  }
}

/**
 * Opens without blocking (a FIFO with no writer would block open(2)), checks the opened file is a
 * regular file of at most maxBytes, then reads it. `what` names the input in messages (`--user-data`).
 */
export async function readRegularFile(file: string, maxBytes: number, what: string): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new FileInputError(`Cannot read ${what} ${file}: ${e.code === 'ENOENT' ? 'no such file (ENOENT)' : e.message}.`, e.code);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a pipe (FIFO)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
      throw new FileInputError(`Cannot read ${what} ${file}: it is ${kind}; give a regular file.`);
    }
    if (stat.size > maxBytes) throw new FileInputError(`Cannot read ${what} ${file}: it is ${stat.size} bytes; the limit is ${maxBytes} bytes.`);
    // Room for one byte more than stat said: a file that grows while we read is caught, not cut.
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > stat.size) throw new FileInputError(`Cannot read ${what} ${file}: it changed while being read; try again.`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
