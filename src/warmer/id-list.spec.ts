import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { tempDir } from '../../test/support/temp-dirs.js';
import { IdInputError, parseIdList, readIdList } from './id-list.js';

describe('parseIdList', () => {
  it('should keep one trimmed id per line and skip blank lines and # comments when the file mixes them', () => {
    const text = '# warm the top customers\n  42 \n\n\t7\t\n   # indented comment\n1001\n';

    const result = parseIdList(text);

    expect(result).toEqual({ ids: ['42', '7', '1001'], duplicates: 0 });
  });

  it('should read CRLF line endings and a leading byte order mark', () => {
    const result = parseIdList('\ufeffusr_1\r\nusr_2\r\n');

    expect(result.ids).toEqual(['usr_1', 'usr_2']);
  });

  it('should keep a # inside an id and inner spaces, which some kinds allow', () => {
    const result = parseIdList('team#alpha\nteam alpha ü\n');

    expect(result.ids).toEqual(['team#alpha', 'team alpha ü']);
  });

  it('should list a repeated id once and count the repeats when ids appear several times', () => {
    const result = parseIdList('a\nb\na\n a \nc\nb\n');

    expect(result).toEqual({ ids: ['a', 'b', 'c'], duplicates: 3 });
  });

  it('should answer no ids when the input is empty or only comments', () => {
    expect(parseIdList('')).toEqual({ ids: [], duplicates: 0 });
    expect(parseIdList('# nothing\n\n   \n')).toEqual({ ids: [], duplicates: 0 });
  });
});

describe('readIdList', () => {
  it('should read stdin when the input is -', async () => {
    const stdin = Readable.from([Buffer.from('1\n2'), Buffer.from('\n3\n')]);

    const result = await readIdList('-', stdin);

    expect(result.ids).toEqual(['1', '2', '3']);
  });

  it('should read the named file', async () => {
    const file = path.join(tempDir('pgw-ids-'), 'ids.txt');
    writeFileSync(file, '# ids\n10\n11\n');

    const result = await readIdList(file, Readable.from([]));

    expect(result.ids).toEqual(['10', '11']);
  });

  it('should throw IdInputError naming the file and the reason when the file does not exist', async () => {
    const missing = path.join(tmpdir(), 'pgw-no-such-dir', 'ids.txt');

    const read = readIdList(missing, Readable.from([]));

    await expect(read).rejects.toBeInstanceOf(IdInputError);
    await expect(read).rejects.toThrow(/ids\.txt \(ENOENT\)/);
  });
});
