import { readFile } from 'node:fs/promises';

/** The ids of one `--ids` input, in order. */
export interface IdList {
  /** Unique ids, in first-seen order. */
  ids: string[];
  /** Lines repeating an id already listed (warmed once). */
  duplicates: number;
}

/**
 * One id per line (LF or CRLF). Each line is trimmed; blank lines and lines starting with `#` are skipped. A `#`
 * later in a line is part of the id (ids of some kinds may contain it). Repeated ids are kept once; a leading
 * byte order mark is ignored.
 */
export function parseIdList(text: string): IdList {
  const seen = new Set<string>();
  let duplicates = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (const line of body.split(/\r?\n/)) {
    const id = line.trim();
    if (id.length === 0 || id.startsWith('#')) continue;
    if (seen.has(id)) duplicates += 1;
    else seen.add(id);
  }
  return { ids: [...seen], duplicates };
}

/** Thrown when the `--ids` input cannot be read. */
export class IdInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdInputError';
  }
}

/**
 * Reads the `--ids` input: a file, or `-` for `stdin`.
 * @throws IdInputError when the file cannot be read
 */
export async function readIdList(input: string, stdin: AsyncIterable<Buffer | string>): Promise<IdList> {
  if (input === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return parseIdList(Buffer.concat(chunks).toString('utf8'));
  }
  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new IdInputError(`cannot read the ids file ${input} (${code})`);
  }
  return parseIdList(text);
}
