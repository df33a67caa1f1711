import { loadConfig, setConfig } from '../../services/config';
import { composeNotice } from '../../services/notices/compose';
import { renderNoticePdf } from '../../services/notices/render';
import { ALL_KINDS, ELDER, acceptance, award, documentsRequested, payment, refusal } from './fixtures';
import { pdfFirstPagePng, pdfFonts, pdfImages, pdfInfo, pdfText, pdfTextCompact } from './pdf-tools';

beforeAll(() => {
  setConfig(loadConfig({ ...process.env, PUBLIC_BASE_URL: 'https://subsidies.example.cn' }));
});

describe('renderNoticePdf', () => {
  it('prints authority, number, addressee, date, seal and verification footer on each kind', async () => {
    for (const make of ALL_KINDS) {
      const content = make();

      const text = await pdfTextCompact(await renderNoticePdf(content));

      expect(text).toContain('烟台市民政局');
      expect(text).toContain('烟民养补〔2026〕第000012号');
      expect(text).toContain('烟台市福山区康乐居家养老服务中心：');
      expect(text).toContain('烟台市民政局（印章）2026年12月3日');
      expect(text).toContain('申请编号：JTCW-2026-000001');
      const verifyPath = `/notices/verify/${encodeURIComponent(content.noticeKey)}`;
      expect(text).toContain(`https://subsidies.example.cn${verifyPath}`);
    }
  });

  it('titles each kind as the official document it is', async () => {
    const titles = ['受理通知书', '补正通知书', '不予批准决定书', '奖补决定书', '资金拨付通知书'];
    for (const [index, make] of ALL_KINDS.entries()) {
      expect(await pdfTextCompact(await renderNoticePdf(make()))).toContain(titles[index]);
    }
  });

  it('tells an accepted applicant the date received, the beds and the next step', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(acceptance()));

    expect(text).toContain('我局于2026年11月20日收到你单位提交的家庭养老床位奖补申请');
    expect(text).toContain('申报家庭养老床位12张');
    expect(text).toContain('我局将在二十个工作日内组织实地验收');
  });

  it('lists each missing document and the deadline in a request for more documents', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(documentsRequested()));

    expect(text).toContain('1.第3张床位的适老化改造验收照片不清晰');
    expect(text).toContain('2.缺少服务协议签字页');
    expect(text).toContain('请于2026年12月20日前通过系统补正提交');
  });

  it('gives the refusing stage, every reason and the right to review or sue', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(refusal()));

    expect(text).toContain('经复核，决定不予批准');
    expect(text).toContain('1.申报床位均不在本市行政区域内');
    expect(text).toContain('2.服务机构未在民政部门备案');
    expect(text).toContain('《中华人民共和国行政复议法》');
    expect(text).toContain('六十日内向烟台市人民政府申请行政复议');
    expect(text).toContain('《中华人民共和国行政诉讼法》');
    expect(text).toContain('六个月内依法向人民法院提起行政诉讼');
  });

  it('states the award in figures and capitals, with its basis and the masked bed table', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(award()));

    expect(text).toContain('300,000.00元（大写：人民币叁拾万元整）');
    expect(text).toContain('共验收家庭养老床位102张，其中验收合格100张');
    expect(text).toContain('奖补标准：3,000.00元/张');
    expect(text).toContain('《关于积极推进养老服务事业产业协同高质量发展的实施意见》二(二)1');
    expect(text).toContain('资金来源：市级福利彩票公益金');
    expect(text).toContain('37**************34');
    expect(text).toContain('王**');
    expect(text).not.toContain(ELDER.idNumber);
    expect(text).not.toContain(ELDER.name);
  });

  it('continues a long bed table on further pages, repeating its header', async () => {
    const pdf = await renderNoticePdf(award(60));

    const pages = (await pdfText(pdf)).split('\f').map((page) => page.replace(/\s+/g, ''));
    const pagesWithBeds = pages.filter((page) => page.includes('只楚街道幸福里小区'));

    expect(pagesWithBeds.length).toBeGreaterThan(2);
    for (const page of pagesWithBeds) expect(page).toContain('序号姓名身份证号床位地址验收结果');
    expect(pages.join('')).toContain('60王**37**************34'); // the last bed's row
  });

  it('shows only the last four digits of the payee account, with the amount in both forms', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(payment()));

    expect(text).toContain('拨付金额：1,234.56元（大写：人民币壹仟贰佰叁拾肆元伍角陆分）');
    expect(text).toContain('收款账号：尾号6789');
    expect(text).toContain('银行交易流水号：ICBC202612100001');
    expect(text).toContain('已于2026年12月10日拨付');
  });

  it('refuses a bed row whose identity number is not masked', () => {
    const content = award();
    const [first] = content.beds;
    if (first) first.maskedIdNumber = ELDER.idNumber;

    expect(() => composeNotice(content)).toThrow(/not masked/);
  });

  it('refuses an issue date that is not a calendar date', () => {
    expect(() => composeNotice(acceptance({ issuedOn: '2026-02-30' }))).toThrow(RangeError);
  });

  it('embeds subsets of the Chinese font, a QR code and the document metadata', async () => {
    const pdf = await renderNoticePdf(award());

    expect(await pdfFonts(pdf)).toMatch(/\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
    expect(await pdfImages(pdf)).toMatch(/\bimage\b/);
    expect(await pdfInfo(pdf)).toMatchObject({
      Title: '奖补决定书 烟民养补〔2026〕第000012号',
      Author: '烟台市民政局',
      Subject: '家庭养老床位奖补 JTCW-2026-000001',
    });
    // A subset keeps the file small although the font itself is about 10 MB.
    expect(pdf.length).toBeLessThan(300_000);
  });

  it('renders the same content to the same bytes', async () => {
    const [first, second] = await Promise.all([renderNoticePdf(payment()), renderNoticePdf(payment())]);

    expect(second.equals(first)).toBe(true);
  });

  it('rasterises to a non-trivial first page', async () => {
    const png = await pdfFirstPagePng(await renderNoticePdf(refusal()));

    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // A blank A4 page at 60 dpi compresses to about 1 KB; text and the header make it far larger.
    expect(png.length).toBeGreaterThan(15_000);
  });
});
