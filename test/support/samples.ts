import PDFDocument from 'pdfkit';
import { residentIdCheckCharacter } from '../../services/identifiers/resident-id';
import { DEMO_PROVIDER } from '../../db/seed';

/** A valid resident identity number for a person born on `birth` (YYYYMMDD), sequence `n`. */
export function residentId(birth: string, n: number): string {
  const body = `370602${birth}${String(n).padStart(3, '0')}`;
  return body + residentIdCheckCharacter(body);
}

// Each bed gets a person never used before in this process: a person's bed is funded once.
let peopleIssued = 0;

function nextPerson(): string {
  const n = peopleIssued++;
  const birth = `19${40 + (n % 40)}${String((n % 12) + 1).padStart(2, '0')}${String((n % 28) + 1).padStart(2, '0')}`;
  return residentId(birth, 100 + (Math.floor(n / 40) % 900));
}

/** The fields every program's application shares, as the demo provider fills them in. */
export function sampleApplicant(): Record<string, unknown> {
  return {
    organisation: { creditCode: DEMO_PROVIDER.creditCode, name: DEMO_PROVIDER.name },
    contactEmail: 'provider@example.test',
    districtCode: 'zhifu',
    townshipCode: 'zhifu-t1',
    bankAccount: {
      name: DEMO_PROVIDER.name,
      number: '6222020606001234567',
      bank: '中国工商银行烟台芝罘支行',
    },
  };
}

/** A home-bed application as the demo provider would submit it, for people not seen before. */
export function sampleSubmission(beds = 3): Record<string, unknown> {
  return {
    programCode: 'home-bed',
    ...sampleApplicant(),
    beds: Array.from({ length: beds }, (_, i) => ({
      personName: ['王秀英', '李建国', '张桂兰', '刘淑珍', '陈玉梅'][i % 5],
      idNumber: nextPerson(),
      address: `烟台市芝罘区示例路${i + 1}号（合成数据）`,
      acceptedOn: '2026-10-15',
    })),
  };
}

/** A one-page PDF, as a scanned contract would arrive. */
export function samplePdf(text: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4' });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.text(text);
    doc.end();
  });
}

/** The smallest valid PNG: one white pixel, as a photo of an acceptance record stands in. */
export const SAMPLE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==',
  'base64',
);
