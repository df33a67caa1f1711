import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  Allocation,
  AllocationLine,
  Application,
  DistrictAccount,
  Notice,
  Region,
  User,
} from '../../db/models';
import {
  allocationLineNoticePdf,
  allocationNoticeKey,
  issueAllocationLineNotice,
} from '../../services/allocations/notices';
import type { Allocation as Calculation, DistrictAllocation } from '../../services/allocations/calculate';
import { config, loadConfig, setConfig } from '../../services/config';
import { composeNotice } from '../../services/notices/compose';
import type { AllocationNotice } from '../../services/notices/content';
import { renderNoticePdf } from '../../services/notices/render';
import { publishVersion } from '../../services/programs/versions';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { repositoryDefinition } from '../support/programs';
import { pdfInfo, pdfText, pdfTextCompact } from './pdf-tools';
import { startSmtpServer, type TestSmtpServer } from './smtp';

/*
 * The notice that hands a district its share of the neighbourhood mutual-aid funding. The
 * calculation is written out by hand: a budget of 300,000 yuan among four districts, capped at
 * 100,000 yuan each, where 芝罘区 and 福山区 reach the cap in the first round, 莱山区 and 长岛
 * share what the cap cut off in a second, and the one yuan left after rounding goes to 莱山区,
 * whose remainder is the larger.
 */

const SYNTHETIC_MARK = '【合成数据，仅供演示】';

function district(
  code: string,
  name: string,
  figures: [urban: number, rural: number, olderResidents: number],
  shares: [community: string, olderResident: string, blended: string],
  offers: DistrictAllocation['offers'],
  rounding: { exactFen: string; floorFen: string; remainderFen: string; roundedUp: boolean },
): DistrictAllocation {
  const [urbanCommunities, ruralCommunities, olderResidents] = figures;
  const [communityShare, olderResidentShare, blendedShare] = shares;
  const capped = offers.some((offer) => offer.capped);
  const amountFen = (BigInt(rounding.floorFen) + (rounding.roundedUp ? 100n : 0n)).toString();
  return {
    districtCode: code,
    districtName: name,
    urbanCommunities,
    ruralCommunities,
    communities: urbanCommunities + ruralCommunities,
    olderResidents,
    communityShare,
    olderResidentShare,
    blendedShare,
    offers,
    ...rounding,
    amountFen,
    capped,
  };
}

function calculation(): Calculation {
  const atCap = { exactFen: '10000000.0000', floorFen: '10000000', remainderFen: '0.0000', roundedUp: false };
  return {
    method: 'weighted-shares-capped-largest-remainder',
    budgetFen: '30000000',
    capFen: '10000000',
    communityWeight: '0.5',
    olderResidentWeight: '0.5',
    totals: { communities: 618, olderResidents: 348415 },
    rounds: [
      {
        round: 1,
        placedFen: '30000000.0000',
        sharing: ['zhifu', 'fushan', 'laishan', 'changdao'],
        capped: ['zhifu', 'fushan'],
        cutOffFen: '2629288.6134',
      },
      {
        round: 2,
        placedFen: '2629288.6134',
        sharing: ['laishan', 'changdao'],
        capped: [],
        cutOffFen: '0.0000',
      },
    ],
    districts: [
      district(
        'zhifu',
        '芝罘区',
        [118, 22, 176543],
        ['0.226537', '0.506703', '0.366620'],
        [{ round: 1, offeredFen: '10998606.4493', capped: true }],
        atCap,
      ),
      district(
        'fushan',
        '福山区',
        [41, 263, 98765],
        ['0.491909', '0.283469', '0.387689'],
        [{ round: 1, offeredFen: '11630682.1641', capped: true }],
        atCap,
      ),
      district(
        'laishan',
        '莱山区',
        [63, 71, 61234],
        ['0.216828', '0.175750', '0.196289'],
        [
          { round: 1, offeredFen: '5888679.9290', capped: false },
          { round: 2, offeredFen: '2100616.6533', capped: false },
        ],
        { exactFen: '7989296.5823', floorFen: '7989200', remainderFen: '96.5823', roundedUp: true },
      ),
      district(
        'changdao',
        '长岛综合试验区',
        [6, 34, 11873],
        ['0.064725', '0.034077', '0.049401'],
        [
          { round: 1, offeredFen: '1482031.4576', capped: false },
          { round: 2, offeredFen: '528671.9601', capped: false },
        ],
        { exactFen: '2010703.4177', floorFen: '2010700', remainderFen: '3.4177', roundedUp: false },
      ),
    ],
    totalFen: '30000000',
    unallocatedFen: '0',
  };
}

function notice(overrides: Partial<AllocationNotice> = {}): AllocationNotice {
  return {
    kind: 'allocation',
    programName: '城乡社区邻里互助养老服务奖补',
    documentNumber: '烟民养补〔2026〕第000031号',
    issuedOn: '2026-04-10',
    organisationName: '莱山区民政局',
    applicationReference: 'LLHZ-2026-000003',
    noticeKey: 'allocation:00000000-0000-4000-8000-000000000001:laishan',
    year: 2026,
    districtCode: 'laishan',
    calculation: calculation(),
    accountName: '烟台市莱山区财政局（国库集中支付专户）',
    accountLast4: '4821',
    bankName: '中国农业银行烟台莱山支行',
    usageReportDue: '2027-03-31',
    synthetic: true,
    ...overrides,
  };
}

/** Page 1 at 60 dpi as pdftoppm draws it: the share of dark pixels and of red ones. */
function firstPageInk(pdf: Buffer): { dark: number; red: number } {
  const ppm = execFileSync('pdftoppm', ['-r', '60', '-f', '1', '-l', '1', '-singlefile', '-'], {
    input: pdf,
    maxBuffer: 32 * 1024 * 1024,
  });
  // Binary PPM: "P6", width, height, the largest value, one white-space byte, then RGB triples.
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 32).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not write a binary PPM');
  const pixels = ppm.subarray(header[0].length);
  let dark = 0;
  let red = 0;
  for (let i = 0; i + 2 < pixels.length; i += 3) {
    const [r, g, b] = [pixels[i] ?? 255, pixels[i + 1] ?? 255, pixels[i + 2] ?? 255];
    if (r + g + b < 300) dark++;
    if (r > 150 && g < 100 && b < 100) red++;
  }
  const count = pixels.length / 3;
  return { dark: dark / count, red: red / count };
}

let smtp: TestSmtpServer;

beforeAll(async () => {
  const { databaseUrl } = await useTestDatabase();
  smtp = await startSmtpServer();
  // Keep the database and the file store useTestDatabase chose; add the mail server and the
  // public address the verification link names.
  const { dataDir } = config();
  const environment = { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, SMTP_URL: smtp.url };
  setConfig(loadConfig({ ...process.env, ...environment, PUBLIC_BASE_URL: 'https://subsidies.example.cn' }));
});

afterAll(async () => {
  await releaseTestDatabase();
  await smtp.close();
});

describe('the allocation notice', () => {
  it('is titled, addressed and numbered as a notice from the city bureau to the district', async () => {
    const pdf = await renderNoticePdf(notice());
    const text = await pdfTextCompact(pdf);

    expect(text).toContain('烟台市民政局关于下达2026年度城乡社区邻里互助养老服务奖补资金的通知');
    expect(text).toContain('烟民养补〔2026〕第000031号');
    expect(text).toContain('莱山区民政局：');
    expect(text).toContain('烟台市民政局（印章）2026年4月10日');
    expect(text).toContain('申请编号：LLHZ-2026-000003');
    expect(await pdfInfo(pdf)).toMatchObject({ Author: '烟台市民政局' });
  });

  it('cites the policy and states the amount in figures and in capitals', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(notice()));

    expect(text).toContain('《关于积极推进养老服务事业产业协同高质量发展的实施意见》二(四)3');
    expect(text).toContain('给予每个区市每年不超过10万元的城乡社区邻里互助养老服务奖补');
    expect(text).toContain(
      '现下达你单位2026年度城乡社区邻里互助养老服务奖补资金79,893.00元（大写：人民币柒万玖仟捌佰玖拾叁元整）',
    );
  });

  it("sets out the district's calculation beside the city's figures, round by round", async () => {
    const text = await pdfTextCompact(await renderNoticePdf(notice()));

    expect(text).toContain('测算项目你单位全市');
    expect(text).toContain('城市社区数63个全市228个');
    expect(text).toContain('农村社区数71个全市390个');
    expect(text).toContain('城乡社区合计134个全市618个');
    expect(text).toContain('老年人口数61234人全市348415人');
    expect(text).toContain('社区规模占比21.6828%权重50%');
    expect(text).toContain('老年人口占比17.5750%权重50%');
    expect(text).toContain('综合份额19.6289%');
    expect(text).toContain('第1轮分配58,886.79929元本轮4个区市分配300,000.00元，2个达到上限');
    expect(text).toContain('第2轮再分配21,006.166533元本轮2个区市分配26,292.886134元');
    expect(text).toContain('是否达到上限否每个区市上限100,000.00元');
    expect(text).toContain('精确金额79,892.965823元');
    expect(text).toContain('取整到元79,892.00元尾数0.965823元');
    expect(text).toContain('最大余额法补足增加1元');
    expect(text).toContain('下达金额79,893.00元全市合计300,000.00元');
    expect(text).toContain('年度资金总额—300,000.00元');
  });

  it('shows a district held at the cap as capped in the round that capped it', async () => {
    const text = await pdfTextCompact(
      await renderNoticePdf(notice({ districtCode: 'zhifu', organisationName: '芝罘区民政局' })),
    );

    expect(text).toContain('芝罘区民政局：');
    expect(text).toContain('第1轮分配109,986.064493元，达到上限');
    expect(text).toContain('是否达到上限是');
    expect(text).toContain('100,000.00元（大写：人民币壹拾万元整）');
    expect(text).not.toContain('第2轮再分配');
  });

  it('names the receiving account by its last four digits only', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(notice()));

    expect(text).toContain('收款账户名称：烟台市莱山区财政局（国库集中支付专户）');
    expect(text).toContain('收款账号：尾号4821');
    expect(text).toContain('开户银行：中国农业银行烟台莱山支行');
    expect(() => composeNotice(notice({ accountLast4: '6228480012344821' }))).toThrow(RangeError);
  });

  it('tells the district to acknowledge the notice and to report the use of the money by the due date', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(notice()));

    expect(text).toContain('收到本通知后，请及时登录系统确认收到；确认后，资金按规定程序拨付至上述账户');
    expect(text).toContain('请于2027年3月31日前登录系统报送资金使用情况');
    expect(text).toContain('特此通知。');
  });

  it('keeps the seal on the page where the text ends, not alone on a page of its own', async () => {
    const pages = (await pdfText(await renderNoticePdf(notice()))).split('\f');

    const sealPage = pages.find((page) => page.includes('（印章）'));
    expect(sealPage).toContain('特此通知。');
  });

  it('marks synthetic data as such, and real data not', async () => {
    const synthetic = await pdfTextCompact(await renderNoticePdf(notice()));
    const real = await pdfTextCompact(await renderNoticePdf(notice({ synthetic: false })));

    expect(synthetic).toContain(SYNTHETIC_MARK);
    expect(real).not.toContain(SYNTHETIC_MARK);
    expect(real).not.toContain('合成数据');
  });

  it('refuses a calculation that contradicts itself', () => {
    const content = notice();
    const laishan = content.calculation.districts.find((d) => d.districtCode === 'laishan');
    if (laishan) laishan.roundedUp = false;

    expect(() => composeNotice(content)).toThrow(/does not follow from its rounding/);
    expect(() => composeNotice(notice({ districtCode: 'nowhere' }))).toThrow(/not in the calculation/);
    expect(() => composeNotice(notice({ usageReportDue: '2027-02-30' }))).toThrow(RangeError);
  });

  it('draws page 1 with text and the red header, not a blank page', async () => {
    const ink = firstPageInk(await renderNoticePdf(notice()));

    // Measured at about 5 % dark and 0.5 % red; a blank page has none of either.
    expect(ink.dark).toBeGreaterThan(0.02);
    expect(ink.red).toBeGreaterThan(0.002);
  });
});

describe('issueAllocationLineNotice', () => {
  let rows: { allocationId: string; applicationId: string };

  beforeAll(async () => {
    rows = await seedApprovedLine();
  });

  it('issues, stores under the line’s application and mails the notice once, however often it is called', async () => {
    const first = await issueAllocationLineNotice({
      allocationId: rows.allocationId,
      districtCode: 'laishan',
    });
    const second = await issueAllocationLineNotice({
      allocationId: rows.allocationId,
      districtCode: 'laishan',
    });

    expect(second).toEqual(first);
    expect(first.noticeKey).toBe(`allocation:${rows.allocationId}:laishan`);
    expect(first.noticeKey).toBe(allocationNoticeKey(rows.allocationId, 'laishan'));
    expect(await Notice.findByPk(first.noticeId)).toMatchObject({
      applicationId: rows.applicationId,
      kind: 'allocation',
      fileName: '资金下达通知-LLHZ-2026-000003.pdf',
      recipientEmail: 'mzj@laishan.example.cn',
    });

    const mails = smtp.received.filter(({ envelopeTo }) => envelopeTo.includes('mzj@laishan.example.cn'));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.mail.subject).toBe('【烟台市民政局】资金下达通知 LLHZ-2026-000003');
    const { pdf, fileName } = await allocationLineNoticePdf(rows.allocationId, 'laishan');
    const attachment = mails[0]?.mail.attachments[0];
    expect(attachment?.filename).toBe(fileName);
    expect(attachment?.content.equals(pdf)).toBe(true);

    const text = await pdfTextCompact(pdf);
    expect(text).toContain('莱山区民政局：');
    expect(text).toMatch(/烟民养补〔2026〕第\d{6}号/);
    expect(text).toContain('79,893.00元（大写：人民币柒万玖仟捌佰玖拾叁元整）');
    expect(text).toContain('请于2027年3月31日前登录系统报送资金使用情况');
    expect(text).toContain(SYNTHETIC_MARK);
  });

  it('has no PDF to give for a district whose notice was not issued', async () => {
    await expect(allocationLineNoticePdf(rows.allocationId, 'zhifu')).rejects.toMatchObject({ status: 404 });
  });
});

/**
 * The least an approved allocation needs for one district's notice, made through the models in
 * foreign-key order: region, user, program version, the application carrying the line, the
 * allocation, its line for 莱山区 and the district's (synthetic) treasury account.
 */
async function seedApprovedLine(): Promise<{ allocationId: string; applicationId: string }> {
  await Region.create({ code: 'yantai', name: '烟台市', level: 'city', parentCode: null });
  await Region.create({ code: 'laishan', name: '莱山区', level: 'district', parentCode: 'yantai' });
  const user = await User.create({
    id: crypto.randomUUID(),
    username: 'city-reviewer',
    displayName: '市级审核员',
    email: 'city@example.test',
    passwordHash: 'x',
    role: 'city_reviewer',
    regionCode: 'yantai',
    organisationCreditCode: null,
    organisationName: null,
  });
  const version = await publishVersion({
    definition: repositoryDefinition('neighbourhood-mutual-aid'),
    source: 'test',
    actor: 'system:test',
  });
  const account = await DistrictAccount.create({
    districtCode: 'laishan',
    accountName: '烟台市莱山区财政局（国库集中支付专户）',
    accountNumber: '15-180101040004821',
    bankName: '中国农业银行烟台莱山支行',
    contactEmail: 'mzj@laishan.example.cn',
    synthetic: true,
  });
  const now = new Date();
  const application = await Application.create({
    id: crypto.randomUUID(),
    reference: 'LLHZ-2026-000003',
    programCode: 'neighbourhood-mutual-aid',
    programYear: 2026,
    programVersionId: version.id,
    applicantType: 'district',
    facts: { districtCode: 'laishan' },
    status: 'awaiting_acknowledgement',
    stage: null,
    applicantUserId: user.id,
    idempotencyKey: null,
    organisationCreditCode: 'DISTRICT-laishan',
    organisationName: account.accountName,
    contactEmail: account.contactEmail,
    districtCode: 'laishan',
    townshipCode: 'laishan',
    bankAccountName: account.accountName,
    bankAccountNumber: account.accountNumber,
    bankName: account.bankName,
    awardFen: '7989300',
    awardCalculation: null,
    appropriationId: null,
    submittedAt: now,
    updatedAt: now,
  });
  const allocation = await Allocation.create({
    id: crypto.randomUUID(),
    programCode: 'neighbourhood-mutual-aid',
    programVersionId: version.id,
    year: 2026,
    status: 'approved',
    calculation: calculation(),
    budgetFen: '30000000',
    totalFen: '30000000',
    usageReportDue: new Date('2027-03-31T00:00:00+08:00'),
    usageReminderAt: new Date('2027-03-24T00:00:00+08:00'),
    // Real figures, but a synthetic account: the notice is still marked.
    synthetic: false,
    approvedBy: user.id,
    approvedAt: now,
    createdBy: user.id,
    createdAt: now,
  });
  await AllocationLine.create({
    id: crypto.randomUUID(),
    allocationId: allocation.id,
    districtCode: 'laishan',
    amountFen: '7989300',
    applicationId: application.id,
    acknowledgedBy: null,
    acknowledgedAt: null,
    usageReport: null,
    usageReportedAt: null,
    usageRemindedAt: null,
    usageOverdueAt: null,
  });
  return { allocationId: allocation.id, applicationId: application.id };
}
