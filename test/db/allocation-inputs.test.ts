import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { AllocationImport, AllocationInput, AuditEvent, Region, User } from '../../db/models';
import { CITY, DISTRICTS } from '../../db/seed/regions';
import {
  acceptImport,
  discardImport,
  editInput,
  getImport,
  listInputs,
  previewImport,
  templateCsv,
  type FileProblem,
} from '../../services/allocations/inputs';
import { AppError } from '../../services/errors';
import { releaseTestDatabase, useTestDatabase } from '../support/database';

/*
 * The yearly district figures against a real Postgres: files are built in the test, each year
 * used by one group of tests only, so that the groups do not see each other's figures.
 */

let actor: string;

beforeAll(async () => {
  await useTestDatabase();
  await Region.create({ code: CITY.code, name: CITY.name, level: 'city', parentCode: null });
  for (const district of DISTRICTS) {
    await Region.create({ ...district, level: 'district', parentCode: CITY.code });
  }
  actor = crypto.randomUUID();
  await User.create({
    id: actor,
    username: 'city',
    displayName: '市民政局审定人',
    email: 'city@example.test',
    passwordHash: 'x',
    role: 'city_reviewer',
    regionCode: CITY.code,
    organisationCreditCode: null,
    organisationName: null,
  });
});
afterAll(releaseTestDatabase);

const CHINESE_HEADER = ['区市代码', '区市名称', '城市社区数', '农村社区数', '60周岁及以上老年人口数'];
const ENGLISH_HEADER = [
  'district_code',
  'district_name',
  'urban_communities',
  'rural_communities',
  'older_residents',
];

/** A sound row per district: figures that differ by district, so that a mix-up shows. */
function goodRows(): string[][] {
  return DISTRICTS.map((district, index) => [
    district.code,
    district.name,
    String(20 + index),
    String(100 + index),
    String(50_000 + index * 1_000),
  ]);
}

function csv(rows: string[][], header = CHINESE_HEADER): Buffer {
  return Buffer.from(`\uFEFF${[header, ...rows].map((row) => row.join(',')).join('\r\n')}\r\n`);
}

async function problemsOf(
  work: Promise<unknown>,
): Promise<{ status: number; code: string; problems: FileProblem[] }> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return { status: error.status, code: error.code, problems: (error.details ?? []) as FileProblem[] };
}

async function counts(): Promise<number[]> {
  return Promise.all([AllocationImport.count(), AllocationInput.count(), AuditEvent.count()]);
}

describe('previewImport', () => {
  it('previews a good CSV with Chinese headers and a BOM, storing the rows but no figures', async () => {
    const buffer = csv(goodRows());

    const preview = await previewImport({ year: 2030, fileName: '2030年因素数据.csv', buffer, actor });

    expect(preview).toMatchObject({ year: 2030, status: 'previewed', fileName: '2030年因素数据.csv' });
    expect(preview.sha256).toBe(crypto.createHash('sha256').update(buffer).digest('hex'));
    expect(preview.summary).toEqual({ districts: 14, added: 14, changed: 0, unchanged: 0 });
    expect(preview.rows[0]).toEqual({
      row: 2,
      districtCode: 'zhifu',
      districtName: '芝罘区',
      urbanCommunities: 20,
      ruralCommunities: 100,
      olderResidents: 50_000,
      current: null,
      change: null,
    });
    expect((await AllocationImport.findByPk(preview.id))?.status).toBe('previewed');
    expect(await AllocationInput.count({ where: { year: 2030 } })).toBe(0);
  });

  it('reads the first worksheet of an XLSX with English headers and numeric cells', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('因素数据');
    sheet.addRow(ENGLISH_HEADER);
    DISTRICTS.forEach((district, index) =>
      sheet.addRow([district.code, district.name, 30 + index, 7, 9_000]),
    );
    workbook.addWorksheet('说明').addRow(['这一页不读', 'not read']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());

    const preview = await previewImport({ year: 2030, fileName: 'figures.xlsx', buffer, actor });

    expect(preview.rows).toHaveLength(14);
    expect(preview.rows.find((row) => row.districtCode === 'changdao')).toMatchObject({
      row: 15,
      urbanCommunities: 43,
      ruralCommunities: 7,
      olderResidents: 9_000,
    });
  });

  it('names XLSX rows as the worksheet shows them, blank rows counted, formulas by their result', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('因素数据');
    sheet.getRow(1).values = CHINESE_HEADER;
    DISTRICTS.forEach((district, index) => {
      // Row 2 is left blank; the districts start in row 3.
      sheet.getRow(index + 3).values = [district.code, district.name, 5, { formula: '2+3', result: 5 }, 100];
    });
    sheet.getCell('E9').value = '不详';

    const { problems } = await problemsOf(
      previewImport({
        year: 2030,
        fileName: 'gaps.xlsx',
        buffer: Buffer.from(await workbook.xlsx.writeBuffer()),
        actor,
      }),
    );

    expect(problems).toEqual([
      { row: 9, column: '60周岁及以上老年人口数', message: expect.stringContaining('不详') },
    ]);
  });

  it('lists every bad row with its row number and column, and writes nothing', async () => {
    const rows = goodRows();
    rows[1] = ['zhifuu', '福山区', '21', '101', '51000']; // row 3: a typing error in the code
    rows[2] = ['zhifu', '芝罘区', '22', '102', '52000']; // row 4: zhifu again
    rows[3] = ['laishan', '牟平区', '23', '103', '53000']; // row 5: the name of another district
    rows[4] = ['penglai', '蓬莱区', '12.5', '-3', '']; // row 6: three bad figures
    rows[5] = ['longkou', '龙口市', 'twelve', '"1,104"', '20000000']; // row 7: a word, 1,104, an absurd count
    const before = await counts();

    const { status, code, problems } = await problemsOf(
      previewImport({ year: 2030, fileName: 'bad.csv', buffer: csv(rows), actor }),
    );

    expect(status).toBe(400);
    expect(code).toBe('VALIDATION_FAILED');
    expect(problems.map(({ row, column }) => [row, column])).toEqual([
      [3, '区市代码'],
      [4, '区市代码'],
      [5, '区市名称'],
      [6, '城市社区数'],
      [6, '农村社区数'],
      [6, '60周岁及以上老年人口数'],
      [7, '城市社区数'],
      [7, '60周岁及以上老年人口数'],
      [null, '区市代码'],
      [null, '区市代码'],
    ]);
    expect(problems[1]?.message).toContain('already in row 2');
    expect(problems[2]?.message).toContain('莱山区');
    expect(problems[4]?.message).toContain('negative');
    expect(problems[5]?.message).toContain('empty');
    expect(problems[7]?.message).toContain('10,000,000');
    expect(problems.slice(-2).map((problem) => problem.message)).toEqual([
      expect.stringContaining('福山区 (fushan)'),
      expect.stringContaining('牟平区 (muping)'),
    ]);
    expect(await counts()).toEqual(before);
  });

  it('reports a missing required column and an unknown one in the header row', async () => {
    const header = ['district_code', '城市社区数', '农村社区数', '备注'];
    const rows = goodRows().map((row) => [row[0] as string, row[2] as string, row[3] as string, '']);

    const { problems } = await problemsOf(
      previewImport({ year: 2030, fileName: 'columns.csv', buffer: csv(rows, header), actor }),
    );

    expect(problems).toEqual([
      { row: 1, column: '备注', message: expect.stringContaining('Unknown column') },
      { row: 1, column: '60周岁及以上老年人口数', message: expect.stringContaining('is missing') },
    ]);
  });

  it('refuses an empty file and a file with a header only', async () => {
    const empty = await problemsOf(
      previewImport({ year: 2030, fileName: 'a.csv', buffer: Buffer.alloc(0), actor }),
    );
    const headerOnly = await problemsOf(
      previewImport({ year: 2030, fileName: 'b.csv', buffer: csv([]), actor }),
    );

    expect(empty.problems).toEqual([{ row: null, column: null, message: expect.stringContaining('empty') }]);
    expect(headerOnly.problems[0]).toEqual({
      row: 1,
      column: null,
      message: expect.stringContaining('no figures'),
    });
  });

  it('refuses files that are not UTF-8 CSV or XLSX, each with its own code', async () => {
    const gbk = Buffer.from([0xc7, 0xf8, 0xca, 0xd0, 0x2c, 0x31, 0x0d, 0x0a]); // "区市,1" in GBK
    const pdf = Buffer.from('%PDF-1.7\n');

    const notUtf8 = await problemsOf(previewImport({ year: 2030, fileName: 'gbk.csv', buffer: gbk, actor }));
    const notSheet = await problemsOf(
      previewImport({ year: 2030, fileName: 'scan.pdf', buffer: pdf, actor }),
    );
    const oldExcel = await problemsOf(previewImport({ year: 2030, fileName: 'old.xls', buffer: gbk, actor }));

    expect([notUtf8.status, notUtf8.code]).toEqual([400, 'FILE_NOT_UTF8']);
    expect([notSheet.status, notSheet.code]).toEqual([415, 'UNSUPPORTED_FILE_TYPE']);
    expect([oldExcel.status, oldExcel.code]).toEqual([415, 'UNSUPPORTED_FILE_TYPE']);
  });

  it('refuses a year outside the range', async () => {
    const { code, problems } = await problemsOf(
      previewImport({ year: Number.NaN, fileName: 'a.csv', buffer: csv(goodRows()), actor }),
    );

    expect(code).toBe('VALIDATION_FAILED');
    expect(problems).toEqual([expect.objectContaining({ field: 'year' })]);
  });
});

describe('acceptImport', () => {
  it('writes the figures of every district, with an audit event for each and one for the import', async () => {
    const preview = await previewImport({ year: 2031, fileName: 'f.csv', buffer: csv(goodRows()), actor });

    const accepted = await acceptImport({ importId: preview.id, actor });

    expect(accepted.status).toBe('accepted');
    const inputs = await listInputs(2031);
    expect(inputs.complete).toBe(true);
    expect(inputs.inputs[0]).toMatchObject({
      districtCode: 'zhifu',
      urbanCommunities: 20,
      importId: preview.id,
    });
    const districtEvents = await AuditEvent.findAll({ where: { action: 'allocation_input.imported' } });
    expect(districtEvents.filter((event) => event.subjectId.startsWith('2031/'))).toHaveLength(14);
    expect(
      await AuditEvent.count({ where: { action: 'allocation_import.accepted', subjectId: preview.id } }),
    ).toBe(1);
  });

  it('previews a new file against the recorded figures and audits only the districts that change', async () => {
    const rows = goodRows();
    rows[0] = ['zhifu', '芝罘区', '25', '100', '50000'];
    rows[13] = ['changdao', '长岛综合试验区', '33', '113', '60000'];

    const preview = await previewImport({ year: 2031, fileName: 'f2.csv', buffer: csv(rows), actor });
    await acceptImport({ importId: preview.id, actor });

    expect(preview.summary).toEqual({ districts: 14, added: 0, changed: 2, unchanged: 12 });
    expect(preview.rows[0]).toMatchObject({
      urbanCommunities: 25,
      current: { urbanCommunities: 20, ruralCommunities: 100, olderResidents: 50_000 },
      change: { urbanCommunities: 5, ruralCommunities: 0, olderResidents: 0 },
    });
    const events = await AuditEvent.findAll({
      where: { action: 'allocation_input.imported' },
      order: [['id', 'ASC']],
    });
    const changed = events.filter((event) => (event.after as { importId: string }).importId === preview.id);
    expect(changed.map((event) => [event.subjectId, event.before, event.after])).toEqual([
      [
        '2031/zhifu',
        { urbanCommunities: 20, ruralCommunities: 100, olderResidents: 50_000 },
        { urbanCommunities: 25, ruralCommunities: 100, olderResidents: 50_000, importId: preview.id },
      ],
      [
        '2031/changdao',
        { urbanCommunities: 33, ruralCommunities: 113, olderResidents: 63_000 },
        { urbanCommunities: 33, ruralCommunities: 113, olderResidents: 60_000, importId: preview.id },
      ],
    ]);
  });

  it('replaces synthetic demo figures with the imported ones, no longer marked synthetic', async () => {
    await AllocationInput.create({
      year: 2036,
      districtCode: 'zhifu',
      urbanCommunities: 1,
      ruralCommunities: 1,
      olderResidents: 1,
      importId: null,
      synthetic: true,
      updatedBy: 'system:seed',
      updatedAt: new Date(),
    });
    const preview = await previewImport({ year: 2036, fileName: 'f.csv', buffer: csv(goodRows()), actor });

    await acceptImport({ importId: preview.id, actor });

    expect(preview.summary).toEqual({ districts: 14, added: 13, changed: 1, unchanged: 0 });
    expect((await listInputs(2036)).inputs.every((row) => !row.synthetic)).toBe(true);
  });

  it('refuses to accept an import twice, and to accept or discard a discarded one', async () => {
    const first = await previewImport({ year: 2032, fileName: 'f.csv', buffer: csv(goodRows()), actor });
    const second = await previewImport({ year: 2032, fileName: 'f.csv', buffer: csv(goodRows()), actor });
    await acceptImport({ importId: first.id, actor });
    await discardImport({ importId: second.id, actor });

    const again = await problemsOf(acceptImport({ importId: first.id, actor }));
    const discarded = await problemsOf(acceptImport({ importId: second.id, actor }));
    const discardedAgain = await problemsOf(discardImport({ importId: second.id, actor }));
    const unknown = await problemsOf(acceptImport({ importId: 'not-an-id', actor }));

    expect([again.status, again.code]).toEqual([409, 'IMPORT_ALREADY_ACCEPTED']);
    expect(discarded.code).toBe('IMPORT_DISCARDED');
    expect(discardedAgain.code).toBe('IMPORT_DISCARDED');
    expect([unknown.status, unknown.code]).toEqual([404, 'NOT_FOUND']);
    expect((await getImport(second.id)).status).toBe('discarded');
  });

  it('refuses a preview made before the figures changed, leaving the figures as they are', async () => {
    const rows = goodRows();
    rows[0] = ['zhifu', '芝罘区', '99', '100', '50000'];
    const stale = await previewImport({ year: 2032, fileName: 'old.csv', buffer: csv(rows), actor });
    rows[0] = ['zhifu', '芝罘区', '98', '100', '50000'];
    const fresh = await previewImport({ year: 2032, fileName: 'new.csv', buffer: csv(rows), actor });
    await acceptImport({ importId: fresh.id, actor });

    const refused = await problemsOf(acceptImport({ importId: stale.id, actor }));

    expect([refused.status, refused.code]).toEqual([409, 'IMPORT_STALE']);
    expect(await AllocationInput.findOne({ where: { year: 2032, districtCode: 'zhifu' } })).toMatchObject({
      urbanCommunities: 98,
    });
  });
});

describe('editInput', () => {
  beforeAll(async () => {
    const preview = await previewImport({ year: 2033, fileName: 'f.csv', buffer: csv(goodRows()), actor });
    await acceptImport({ importId: preview.id, actor });
  });

  it('corrects one district and audits the figures before and after with the reason', async () => {
    const row = await editInput({
      year: 2033,
      districtCode: 'fushan',
      changes: { olderResidents: 51_500 },
      reason: '福山区民政局2033年3月更正函',
      actor,
    });

    expect(row).toMatchObject({ districtCode: 'fushan', urbanCommunities: 21, olderResidents: 51_500 });
    const event = await AuditEvent.findOne({
      where: { action: 'allocation_input.corrected', subjectId: '2033/fushan' },
    });
    expect(event?.before).toEqual({ urbanCommunities: 21, ruralCommunities: 101, olderResidents: 51_000 });
    expect(event?.after).toEqual({
      urbanCommunities: 21,
      ruralCommunities: 101,
      olderResidents: 51_500,
      reason: '福山区民政局2033年3月更正函',
    });
  });

  it('refuses a correction without a reason and changes nothing', async () => {
    const before = await counts();

    const refused = await problemsOf(
      editInput({ year: 2033, districtCode: 'zhifu', changes: { urbanCommunities: 1 }, reason: '  ', actor }),
    );

    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(refused.problems).toEqual([expect.objectContaining({ field: 'reason' })]);
    expect(await counts()).toEqual(before);
    expect(await AllocationInput.findOne({ where: { year: 2033, districtCode: 'zhifu' } })).toMatchObject({
      urbanCommunities: 20,
    });
  });

  it('refuses bad figures, an unknown district and a year without figures', async () => {
    const negative = await problemsOf(
      editInput({ year: 2033, districtCode: 'zhifu', changes: { urbanCommunities: -1 }, reason: 'x', actor }),
    );
    const unknown = await problemsOf(
      editInput({
        year: 2033,
        districtCode: 'atlantis',
        changes: { urbanCommunities: 1 },
        reason: 'x',
        actor,
      }),
    );
    const notImported = await problemsOf(
      editInput({ year: 2034, districtCode: 'zhifu', changes: { urbanCommunities: 1 }, reason: 'x', actor }),
    );

    expect(negative.problems).toEqual([expect.objectContaining({ field: 'urbanCommunities' })]);
    expect(unknown.status).toBe(404);
    expect([notImported.status, notImported.code]).toEqual([409, 'INPUTS_NOT_IMPORTED']);
  });
});

describe('templateCsv', () => {
  it('is a file that, once filled in, previews without problems', async () => {
    const template = templateCsv();
    const filled = template
      .split('\r\n')
      .map((line, index) => (index === 0 || line === '' ? line : line.replace(/,,,$/, ',1,2,3')))
      .join('\r\n');

    const preview = await previewImport({
      year: 2035,
      fileName: 'template.csv',
      buffer: Buffer.from(filled),
      actor,
    });

    expect(template.startsWith('\uFEFF区市代码,区市名称,')).toBe(true);
    expect(preview.rows.every((row) => row.olderResidents === 3)).toBe(true);
  });
});
