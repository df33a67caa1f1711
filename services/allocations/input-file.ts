import nodePath from 'node:path';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { DISTRICTS } from '../../db/seed/regions';
import { AppError } from '../errors';

/*
 * The spreadsheet of the yearly figures, one row per district: a CSV or an XLSX's first sheet,
 * read with csv-parse and exceljs and checked cell by cell. Every problem is reported by the
 * row a person sees in a spreadsheet program and the column's header, so that a clerk can
 * find and correct it; the records side is in inputs.ts.
 */

/** Above this, a figure for one district is a typing error, not a count. */
export const MAX_FIGURE = 10_000_000;
/** The upload limit the route applies; a filled-in template is a few kilobytes. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
// The file should hold 14 rows; far more means the wrong file, not 14 districts to check.
const MAX_DATA_ROWS = 100;
const MAX_LISTED_PROBLEMS = 100;

const COLUMNS = [
  { key: 'districtCode', chinese: '区市代码', english: 'district_code', required: true },
  { key: 'districtName', chinese: '区市名称', english: 'district_name', required: false },
  { key: 'urbanCommunities', chinese: '城市社区数', english: 'urban_communities', required: true },
  { key: 'ruralCommunities', chinese: '农村社区数', english: 'rural_communities', required: true },
  { key: 'olderResidents', chinese: '60周岁及以上老年人口数', english: 'older_residents', required: true },
] as const;
type ColumnKey = (typeof COLUMNS)[number]['key'];

export const FIGURE_KEYS = ['urbanCommunities', 'ruralCommunities', 'olderResidents'] as const;
export type Figures = Record<(typeof FIGURE_KEYS)[number], number>;

/** One thing wrong in an uploaded file; `row` as a spreadsheet shows it (header = 1), null for the file. */
export interface FileProblem {
  row: number | null;
  column: string | null;
  message: string;
}

/** A file that cannot be read as a table at all: the wrong kind of file, the wrong encoding, or damaged. */
export class FigureFileError extends AppError {
  constructor(code: 'UNSUPPORTED_FILE_TYPE' | 'FILE_NOT_UTF8' | 'FILE_UNREADABLE', message: string) {
    super(code === 'UNSUPPORTED_FILE_TYPE' ? 415 : 400, code, message);
  }
}

/**
 * The file to fill in: the Chinese header and one line per district with its code and name.
 * UTF-8 with a byte-order mark and CRLF, so that Excel and WPS open it with the names intact.
 */
export function templateCsv(): string {
  // Codes and names hold no commas or quotes, so no field needs quoting.
  const lines = [
    COLUMNS.map((column) => column.chinese).join(','),
    ...DISTRICTS.map((district) => [district.code, district.name, '', '', ''].join(',')),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

type Cell = string | number;
interface SheetRow {
  /** The row number a person sees in a spreadsheet program. */
  number: number;
  cells: Cell[];
}

const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

/** The rows of a CSV or of an XLSX's first worksheet, told apart by content, then by name. */
async function readSheet(fileName: string, buffer: Buffer): Promise<SheetRow[]> {
  if (buffer.length === 0) return [];
  const extension = nodePath.extname(fileName).toLowerCase();
  const start = buffer.subarray(0, 4);

  if (start.equals(ZIP_SIGNATURE)) return readWorkbook(fileName, buffer);
  if (start.equals(OLE_SIGNATURE) || extension === '.xls' || extension === '.et') {
    throw new FigureFileError(
      'UNSUPPORTED_FILE_TYPE',
      `${fileName} is in the old Excel format; open it in Excel or WPS and save it as .xlsx ` +
        'or as "CSV UTF-8".',
    );
  }
  if (extension === '.xlsx') {
    throw new FigureFileError(
      'FILE_UNREADABLE',
      `${fileName} is named .xlsx but is not an Excel workbook; it may be damaged. ` +
        'Save it again from Excel or WPS.',
    );
  }
  if (!['.csv', '.txt', ''].includes(extension) || buffer.subarray(0, 4).toString('latin1') === '%PDF') {
    throw new FigureFileError(
      'UNSUPPORTED_FILE_TYPE',
      `${fileName} is not a spreadsheet: upload the figures as .xlsx or .csv (the template is a CSV).`,
    );
  }
  return readCsv(fileName, buffer);
}

async function readWorkbook(fileName: string, buffer: Buffer): Promise<SheetRow[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs types its Buffer as an ArrayBuffer; a Node Buffer is what it reads at run time.
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    throw new FigureFileError(
      'UNSUPPORTED_FILE_TYPE',
      `${fileName} is not an Excel workbook (.xlsx) that can be read; upload an .xlsx or a .csv file.`,
    );
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new FigureFileError('FILE_UNREADABLE', `${fileName} has no worksheet.`);

  const rows: SheetRow[] = [];
  sheet.eachRow((row, number) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      // A formula counts by its cached result; a date or an error is kept as its text and refused later.
      const value = cell.type === ExcelJS.ValueType.Formula ? cell.result : cell.value;
      cells[column - 1] = typeof value === 'number' ? value : (cell.text ?? '');
    });
    rows.push({ number, cells: Array.from(cells, (cell) => cell ?? '') });
  });
  return rows;
}

function readCsv(fileName: string, buffer: Buffer): SheetRow[] {
  const utf16 = (buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff);
  const notUtf8 = new FigureFileError(
    'FILE_NOT_UTF8',
    `${fileName} is not UTF-8 text (Excel's plain "CSV" is saved in GBK). Save it as "CSV UTF-8" ` +
      '(CSV UTF-8 逗号分隔), or upload the .xlsx instead.',
  );
  if (utf16) throw notUtf8;
  if (buffer.includes(0)) {
    throw new FigureFileError(
      'UNSUPPORTED_FILE_TYPE',
      `${fileName} is not a text file; upload .xlsx or .csv.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw notUtf8;
  }

  let records: string[][];
  try {
    // Every line is a record, blank ones too, so that a record's index is its row in a spreadsheet.
    records = parseCsv(text, { bom: true, relax_column_count: true, relax_quotes: true });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw new FigureFileError(
      'FILE_UNREADABLE',
      `${fileName} cannot be read as CSV near line ${String(error.lines ?? '?')}: ${error.message}. ` +
        'Save it again from Excel or WPS as "CSV UTF-8".',
    );
  }
  return records.map((cells, index) => ({ number: index + 1, cells }));
}

// ——— Checking the rows ———

export type ParsedRow = Figures & { row: number; districtCode: string; districtName: string };

/** The rows of a sound file in district order, or every problem found. */
function checkSheet(sheetRows: SheetRow[]): { rows: ParsedRow[]; problems: FileProblem[] } {
  const nonBlank = sheetRows.filter((row) => row.cells.some((cell) => text(cell) !== ''));
  const [header, ...data] = nonBlank;
  if (!header) {
    return {
      rows: [],
      problems: [
        { row: null, column: null, message: 'The file is empty: fill in the template and upload it.' },
      ],
    };
  }

  const { columns, problems } = checkHeader(header, data);
  if (data.length === 0) {
    problems.push({
      row: header.number,
      column: null,
      message: 'The file has a header row but no figures: add one row per district below it.',
    });
  }
  if (data.length > MAX_DATA_ROWS) {
    problems.push({
      row: null,
      column: null,
      message: `The file has ${data.length} rows of figures; it should have one per district (14).`,
    });
    return { rows: [], problems };
  }

  const rows: ParsedRow[] = [];
  const seen = new Map<string, number>();
  for (const sheetRow of data) {
    const rowProblems: FileProblem[] = [];
    const complain = (key: ColumnKey, message: string): void => {
      rowProblems.push({ row: sheetRow.number, column: columns.get(key)?.header ?? null, message });
    };
    const cellOf = (key: ColumnKey): Cell | undefined => {
      const column = columns.get(key);
      return column ? (sheetRow.cells[column.index] ?? '') : undefined;
    };

    const district = checkDistrict(cellOf('districtCode'), cellOf('districtName'), seen, sheetRow.number);
    if (district.problem) complain(district.problem.key, district.problem.message);
    const figures: Partial<Figures> = {};
    for (const key of FIGURE_KEYS) {
      const cell = cellOf(key);
      if (cell === undefined) continue;
      const figure = parseFigure(cell);
      if (typeof figure === 'string') complain(key, figure);
      else figures[key] = figure;
    }

    problems.push(...rowProblems);
    if (rowProblems.length === 0 && district.known && Object.keys(figures).length === FIGURE_KEYS.length) {
      rows.push({
        row: sheetRow.number,
        districtCode: district.known.code,
        districtName: district.known.name,
        ...(figures as Figures),
      });
    }
  }

  const codeColumn = columns.get('districtCode');
  if (codeColumn) {
    for (const missing of DISTRICTS.filter((district) => !seen.has(district.code))) {
      problems.push({
        row: null,
        column: codeColumn.header,
        message: `There is no row for ${missing.name} (${missing.code}); every district needs one row.`,
      });
    }
  }
  const order = new Map(DISTRICTS.map((district, index) => [district.code, index]));
  rows.sort((a, b) => (order.get(a.districtCode) ?? 0) - (order.get(b.districtCode) ?? 0));
  return { rows, problems };
}

/** Which column holds what, by its Chinese or English header; problems of the header row. */
function checkHeader(
  header: SheetRow,
  data: SheetRow[],
): { columns: Map<ColumnKey, { index: number; header: string }>; problems: FileProblem[] } {
  const columns = new Map<ColumnKey, { index: number; header: string }>();
  const problems: FileProblem[] = [];
  const names = COLUMNS.map((column) => column.chinese).join(', ');
  const width = Math.max(header.cells.length, ...data.map((row) => row.cells.length));

  for (let index = 0; index < width; index++) {
    const written = text(header.cells[index] ?? '');
    if (written === '') {
      if (data.some((row) => text(row.cells[index] ?? '') !== '')) {
        problems.push({
          row: header.number,
          column: columnLetter(index),
          message: `This column has values but no header; give it one of ${names}, or remove it.`,
        });
      }
      continue;
    }
    const normalised = normaliseHeader(written);
    const column = COLUMNS.find((c) => normaliseHeader(c.chinese) === normalised || c.english === normalised);
    if (!column) {
      const separated = /[;\t]/.test(written) ? ' The columns must be separated by commas.' : '';
      problems.push({
        row: header.number,
        column: written,
        message: `Unknown column; remove it or rename it to one of ${names}.${separated}`,
      });
    } else if (columns.has(column.key)) {
      problems.push({
        row: header.number,
        column: written,
        message: `The column ${column.chinese} (${column.english}) appears twice; keep one.`,
      });
    } else columns.set(column.key, { index, header: written });
  }

  for (const column of COLUMNS.filter((c) => c.required && !columns.has(c.key))) {
    problems.push({
      row: header.number,
      column: column.chinese,
      message: `The column ${column.chinese} (or ${column.english}) is missing; add it to the header row.`,
    });
  }
  return { columns, problems };
}

function checkDistrict(
  codeCell: Cell | undefined,
  nameCell: Cell | undefined,
  seen: Map<string, number>,
  rowNumber: number,
): { known?: { code: string; name: string }; problem?: { key: ColumnKey; message: string } } {
  if (codeCell === undefined) return {};
  const code = text(codeCell).toLowerCase();
  if (code === '') return { problem: { key: 'districtCode', message: 'The district code is empty.' } };
  const district = DISTRICTS.find((candidate) => candidate.code === code);
  if (!district) {
    const byName = DISTRICTS.find((candidate) => candidate.name === text(codeCell));
    const hint = byName
      ? `${byName.name} is a district name; its code is ${byName.code}.`
      : 'Use the codes of the template.';
    return {
      problem: { key: 'districtCode', message: `"${text(codeCell)}" is not a district code. ${hint}` },
    };
  }
  const earlier = seen.get(district.code);
  if (earlier !== undefined) {
    return {
      problem: {
        key: 'districtCode',
        message: `${district.name} (${district.code}) is already in row ${earlier}; keep one row each.`,
      },
    };
  }
  seen.set(district.code, rowNumber);

  const name = nameCell === undefined ? '' : text(nameCell);
  if (name !== '' && name !== district.name) {
    return {
      known: district,
      problem: {
        key: 'districtName',
        message:
          `"${name}" is not the name of ${district.code}, which is ${district.name}; ` +
          'check that code and name belong together.',
      },
    };
  }
  return { known: district };
}

/** A count from a cell, or what is wrong with it. */
function parseFigure(cell: Cell): number | string {
  let value: number;
  if (typeof cell === 'number') value = cell;
  else {
    const written = text(cell);
    if (written === '') return 'The cell is empty; enter the number (0 if there are none).';
    // Thousands separators, as Excel writes formatted numbers into a CSV: 12,345.
    const digits = /^-?\d{1,3}(,\d{3})+$/.test(written) ? written.replaceAll(',', '') : written;
    if (!/^-?\d+(\.\d+)?$/.test(digits)) return `"${written}" is not a number; enter a whole number.`;
    value = Number(digits);
  }
  if (value < 0) return `${value} is negative; a count cannot be below 0.`;
  if (!Number.isInteger(value)) return `${value} is not a whole number.`;
  if (value > MAX_FIGURE) {
    const limit = MAX_FIGURE.toLocaleString('en');
    return `${value} is more than ${limit}, which cannot be right for one district; check the figure.`;
  }
  return value;
}

// Full-width digits and letters, as a Chinese input method may type them, read as plain ones.
function text(cell: Cell): string {
  return String(cell).normalize('NFKC').trim();
}

function normaliseHeader(header: string): string {
  return header
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

function listed(problems: FileProblem[]): FileProblem[] {
  if (problems.length <= MAX_LISTED_PROBLEMS) return problems;
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return [
    ...problems.slice(0, MAX_LISTED_PROBLEMS),
    { row: null, column: null, message: `… and ${more} more.` },
  ];
}

/**
 * Reads and checks an uploaded file of figures.
 * @returns the rows in district order when sound, else every problem (the first hundred listed).
 * @throws FigureFileError when the file is not a readable CSV or XLSX.
 */
export async function readFigureFile(
  fileName: string,
  buffer: Buffer,
): Promise<{ rows: ParsedRow[]; problems: FileProblem[] }> {
  const { rows, problems } = checkSheet(await readSheet(fileName, buffer));
  return { rows, problems: listed(problems) };
}
