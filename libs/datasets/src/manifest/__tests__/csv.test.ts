import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../errors';
import { parseCsv } from '../csv';

function quote(field: string): string {
  return /[",\r\n]/.test(field) || field === '' ? `"${field.replace(/"/g, '""')}"` : field;
}

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and counts rows by line', () => {
    const text = 'image,label,note\r\n"/a,b.jpg",1,"say ""hi"""\r\n/c.jpg,2,"two\nlines"\n/d.jpg,0,\n';
    const t = parseCsv(text, 'x.csv');
    expect(t.header).toEqual(['image', 'label', 'note']);
    expect(t.records).toEqual([
      { row: 2, fields: ['/a,b.jpg', '1', 'say "hi"'] },
      { row: 3, fields: ['/c.jpg', '2', 'two\nlines'] },
      { row: 5, fields: ['/d.jpg', '0', ''] },
    ]);
  });

  it('drops a BOM and blank lines, and accepts a last line without a break', () => {
    const t = parseCsv('\uFEFFimage,label\n\n/a.jpg,1', 'x.csv');
    expect(t.header).toEqual(['image', 'label']);
    expect(t.records).toEqual([{ row: 3, fields: ['/a.jpg', '1'] }]);
  });

  it('round-trips any table written with RFC 4180 quoting', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é') });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { maxLength: 6 }), (k, rows) => {
        const header = ['h0', 'h1', 'h2', 'h3'].slice(0, k);
        const body = rows.map((r) => r.slice(0, k));
        const text = [header, ...body].map((r) => r.map(quote).join(',')).join('\r\n');
        const t = parseCsv(text, 'p.csv');
        expect(t.header).toEqual(header);
        expect(t.records.map((r) => r.fields)).toEqual(body);
      }),
      { numRuns: 200 },
    );
  });

  it('names file and row for an unterminated quote, a stray quote and a field-count mismatch', () => {
    const cases: [string, number, RegExp][] = [
      ['image,label\n/a.jpg,1\n"/b.jpg,2\n', 3, /unterminated/],
      ['image,label\n/a"x.jpg,1\n', 2, /double quote inside/],
      ['image,label\n/a.jpg,1\n/b.jpg\n', 3, /expected 2 fields/],
      ['image,label\n"/a.jpg"x,1\n', 2, /after a closing/],
    ];
    for (const [text, row, msg] of cases) {
      const err = (() => {
        try {
          parseCsv(text, 'bad.csv');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).code).toBe('BAD_CSV');
      expect((err as DatasetError).row).toBe(row);
      expect((err as DatasetError).message).toMatch(msg);
      expect((err as DatasetError).message).toContain('bad.csv');
    }
  });

  it('refuses an empty file', () => {
    expect(() => parseCsv('', 'e.csv')).toThrow(/e\.csv: empty file/);
  });
});
