import ExcelJS from 'exceljs';
import { AllocationInput } from '../../db/models';
import { DISTRICTS } from '../../db/seed/regions';
import { ApiClient } from '../support/http';
import { startSystem, type RunningSystem } from '../support/system';

let system: RunningSystem;
const users: Record<string, ApiClient> = {};
const as = (name: string): ApiClient => users[name] as ApiClient;

beforeAll(async () => {
  system = await startSystem();
  for (const name of ['provider', 'district', 'city', 'admin']) {
    users[name] = await ApiClient.login(system.url, name);
  }
}, 120_000);
afterAll(() => system?.stop());

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The downloaded template with the same three figures on every line. */
async function filledTemplate(figures: [number, number, number]): Promise<Buffer> {
  const template = await as('city').get('/allocation-inputs/template.csv');
  const text = (template.body as Buffer).toString('utf8').replace(/,,,\r\n/g, `,${figures.join(',')}\r\n`);
  return Buffer.from(text);
}

describe('GET /allocation-inputs/template.csv', () => {
  it('gives the Chinese header and one line per district, to any staff member', async () => {
    const response = await as('district').get('/allocation-inputs/template.csv');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const lines = (response.body as Buffer).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('\uFEFF区市代码,区市名称,城市社区数,农村社区数,60周岁及以上老年人口数');
    expect(lines.slice(1)).toEqual(DISTRICTS.map((district) => `${district.code},${district.name},,,`));
  });
});

describe('POST /allocation-inputs/imports', () => {
  it('previews an upload, accepts it, and the year then reads back with the figures', async () => {
    const content = await filledTemplate([12, 34, 56_789]);

    const preview = await as('city').upload(
      '/allocation-inputs/imports',
      { name: '2030年因素数据.csv', content, type: CSV },
      { year: '2030' },
    );
    const accepted = await as('city').post(`/allocation-inputs/imports/${preview.body.id}/accept`);
    const figures = await as('district').get('/allocation-inputs/2030');
    const stored = await as('district').get(`/allocation-inputs/imports/${preview.body.id}`);

    expect(preview.status).toBe(201);
    expect(preview.body).toMatchObject({ year: 2030, status: 'previewed', fileName: '2030年因素数据.csv' });
    expect(preview.body.rows).toHaveLength(14);
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
    expect(figures.status).toBe(200);
    expect(figures.body.complete).toBe(true);
    expect(figures.body.inputs[0]).toMatchObject({
      districtCode: 'zhifu',
      districtName: '芝罘区',
      urbanCommunities: 12,
      ruralCommunities: 34,
      olderResidents: 56_789,
    });
    expect(stored.body.status).toBe('accepted');
  });

  it('answers a file with bad rows with 400 and each problem by row and column, storing nothing', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Sheet1');
    sheet.addRow(['district_code', 'urban_communities', 'rural_communities', 'older_residents']);
    for (const district of DISTRICTS) sheet.addRow([district.code, 1, 2, 3]);
    sheet.getCell('B4').value = -5;
    sheet.getCell('A5').value = '莱山区';
    const content = Buffer.from(await workbook.xlsx.writeBuffer());

    const response = await as('admin').upload(
      '/allocation-inputs/imports',
      { name: 'figures.xlsx', content, type: XLSX },
      { year: '2031' },
    );

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details).toEqual([
      { row: 4, column: 'urban_communities', message: expect.stringContaining('negative') },
      { row: 5, column: 'district_code', message: expect.stringContaining('its code is laishan') },
      { row: null, column: 'district_code', message: expect.stringContaining('莱山区 (laishan)') },
    ]);
    expect(await AllocationInput.count({ where: { year: 2031 } })).toBe(0);
  });

  it('refuses a file that is not a spreadsheet with 415, and a missing year or file with 400', async () => {
    const pdf = await as('city').upload(
      '/allocation-inputs/imports',
      { name: 'scan.pdf', content: Buffer.from('%PDF-1.7\n'), type: 'application/pdf' },
      { year: '2031' },
    );
    const noYear = await as('city').upload('/allocation-inputs/imports', {
      name: 'f.csv',
      content: await filledTemplate([1, 2, 3]),
      type: CSV,
    });
    const noFile = await as('city').post('/allocation-inputs/imports', { year: 2031 });

    expect([pdf.status, pdf.body.error.code]).toEqual([415, 'UNSUPPORTED_FILE_TYPE']);
    expect([noYear.status, noYear.body.error.details]).toEqual([
      400,
      [expect.objectContaining({ field: 'year' })],
    ]);
    expect([noFile.status, noFile.body.error.details]).toEqual([
      400,
      [expect.objectContaining({ field: 'file' })],
    ]);
  });

  it('refuses an import by a district reviewer with 403, and reading by an applicant', async () => {
    const upload = await as('district').upload(
      '/allocation-inputs/imports',
      { name: 'f.csv', content: await filledTemplate([1, 2, 3]), type: CSV },
      { year: '2032' },
    );
    const read = await as('provider').get('/allocation-inputs/2030');

    expect([upload.status, upload.body.error.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    expect([read.status, read.body.error.code]).toEqual([403, 'FORBIDDEN_ROLE']);
  });

  it('refuses to accept the same import twice with 409', async () => {
    const preview = await as('city').upload(
      '/allocation-inputs/imports',
      { name: 'f.csv', content: await filledTemplate([1, 2, 3]), type: CSV },
      { year: '2033' },
    );
    await as('city').post(`/allocation-inputs/imports/${preview.body.id}/accept`);

    const again = await as('admin').post(`/allocation-inputs/imports/${preview.body.id}/accept`);

    expect([again.status, again.body.error.code]).toEqual([409, 'IMPORT_ALREADY_ACCEPTED']);
  });
});

describe('PATCH /allocation-inputs/:year/:districtCode', () => {
  it('corrects a district with a reason, and refuses a correction without one', async () => {
    const withoutReason = await as('city').request('PATCH', '/allocation-inputs/2030/fushan', {
      olderResidents: 60_000,
    });
    const corrected = await as('city').request('PATCH', '/allocation-inputs/2030/fushan', {
      olderResidents: 60_000,
      reason: '福山区更正函',
    });

    expect([withoutReason.status, withoutReason.body.error.details]).toEqual([
      400,
      [expect.objectContaining({ field: 'reason' })],
    ]);
    expect(corrected.status).toBe(200);
    expect(corrected.body).toMatchObject({
      districtCode: 'fushan',
      urbanCommunities: 12,
      olderResidents: 60_000,
    });
  });
});
