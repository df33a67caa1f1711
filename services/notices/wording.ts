import { chineseCapitalAmount, formatYuan } from '../money/words';

/*
 * The pieces every notice's wording is built from: the block types render.ts lays out, the
 * way dates and amounts are written, and the remedy paragraph decisions end with. Kept apart
 * from compose.ts so that the wording of each family of notices can live in its own file.
 */

export type NoticeBlock =
  | { type: 'paragraph'; text: string }
  | { type: 'heading'; text: string }
  | { type: 'numbered'; items: string[] }
  | { type: 'fields'; rows: { label: string; value: string }[] }
  | { type: 'table'; columns: { header: string; width: number }[]; rows: string[][] };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * "2026-12-03" → "2026年12月3日", the way official documents write dates.
 * @throws RangeError when the value is not a real YYYY-MM-DD date.
 */
export function chineseDate(isoDate: string): string {
  const match = ISO_DATE.exec(isoDate);
  const [year, month, day] = (match?.slice(1) ?? []).map(Number) as [number, number, number];
  const date = match ? new Date(Date.UTC(year, month - 1, day)) : undefined;
  if (!date || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new RangeError(`Not a calendar date: ${isoDate}`);
  }
  return `${year}年${month}月${day}日`;
}

/** "300,000.00元（大写：人民币叁拾万元整）" */
export function amountInFiguresAndWords(fen: bigint): string {
  return `${formatYuan(fen)}元（大写：${chineseCapitalAmount(fen)}）`;
}

/** 行政复议 within 60 days to the city government, or 行政诉讼 within 6 months. */
export const REMEDY_PARAGRAPH =
  '你单位如对本决定不服，可以依照《中华人民共和国行政复议法》的规定，自收到本决定书之日起' +
  '六十日内向烟台市人民政府申请行政复议；也可以依照《中华人民共和国行政诉讼法》的规定，' +
  '自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。';

export function paragraph(text: string): NoticeBlock {
  return { type: 'paragraph', text };
}

export function heading(text: string): NoticeBlock {
  return { type: 'heading', text };
}
