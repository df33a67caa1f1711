import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { config } from '../config';
import { composeNotice, type ComposedNotice, type NoticeBlock } from './compose';
import { DEFAULT_PROGRAM_NAME, ISSUING_AUTHORITY, type NoticeContent } from './content';
import { noticeFonts } from './fonts';

/*
 * Draws a notice in the layout of a Chinese official document (after GB/T 9704): the
 * authority's name in red, the document number, a red rule, the title, the addressee,
 * the body, the authority and date where the seal goes, and a verification footer.
 * Nothing here reads a clock: the same content renders the same bytes.
 */

type Doc = PDFKit.PDFDocument;

const PAGE = { width: 595.28, height: 841.89 }; // A4 in points
const MARGIN = { top: 64, bottom: 72, left: 68, right: 68 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const RED = '#c8161d';
const BODY_SIZE = 12;
const LINE_GAP = 6;
const FOOTER_HEIGHT = 78;
const QR_SIZE = 72;

/** The public page that confirms a notice is genuine; its QR code is printed on the notice. */
export function noticeVerificationUrl(noticeKey: string): string {
  const base = (config().publicBaseUrl ?? 'http://localhost:3000').replace(/\/+$/, '');
  return `${base}/notices/verify/${encodeURIComponent(noticeKey)}`;
}

/**
 * Renders the notice as an A4 PDF with the Chinese font embedded (subset to the glyphs used).
 * @throws RangeError from composeNotice for an invalid date or an unmasked identity number.
 */
export async function renderNoticePdf(content: NoticeContent): Promise<Buffer> {
  const notice = composeNotice(content);
  const verifyUrl = noticeVerificationUrl(content.noticeKey);
  const qrPng = await QRCode.toBuffer(verifyUrl, {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 1,
    width: 240,
  });
  const fonts = noticeFonts();

  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    lang: 'zh-CN',
    displayTitle: true,
    info: {
      Title: `${notice.title.replace(/\n/g, '')} ${notice.documentNumber}`,
      Author: ISSUING_AUTHORITY,
      Subject: `${content.programName ?? DEFAULT_PROGRAM_NAME} ${notice.applicationReference}`,
      // Midnight in Asia/Shanghai on the issue date: a fixed date keeps the bytes repeatable.
      CreationDate: new Date(`${content.issuedOn}T00:00:00+08:00`),
    },
  });
  const done = collect(doc);
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);

  drawHeader(doc, notice);
  for (const block of notice.blocks) drawBlock(doc, block);
  drawSignature(doc, notice);
  drawFooter(doc, notice, verifyUrl, qrPng);
  drawPageNumbers(doc);

  doc.end();
  return done;
}

function collect(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

function drawHeader(doc: Doc, notice: ComposedNotice): void {
  doc.font('bold').fontSize(28).fillColor(RED);
  doc.text(ISSUING_AUTHORITY, MARGIN.left, MARGIN.top, {
    width: CONTENT_WIDTH,
    align: 'center',
    characterSpacing: 8,
  });

  doc.moveDown(0.6).font('regular').fontSize(BODY_SIZE).fillColor('black');
  doc.text(notice.documentNumber, { width: CONTENT_WIDTH, align: 'center' });

  const ruleY = doc.y + 6;
  horizontalRule(doc, ruleY, 1.5, RED);

  doc.font('bold').fontSize(20).fillColor('black');
  doc.text(notice.title, MARGIN.left, ruleY + 26, {
    width: CONTENT_WIDTH,
    align: 'center',
    characterSpacing: 2,
  });

  doc.moveDown(1).font('regular').fontSize(13);
  if (notice.addressee !== '') doc.text(notice.addressee, { width: CONTENT_WIDTH });
  doc.moveDown(0.4);
}

function drawBlock(doc: Doc, block: NoticeBlock): void {
  doc.font('regular').fontSize(BODY_SIZE).fillColor('black');
  switch (block.type) {
    case 'paragraph':
      // Two characters of first-line indent, as Chinese prose is set.
      doc.text(block.text, MARGIN.left, doc.y, {
        width: CONTENT_WIDTH,
        indent: BODY_SIZE * 2,
        lineGap: LINE_GAP,
      });
      break;
    case 'heading':
      doc.font('bold').text(block.text, MARGIN.left + BODY_SIZE * 2, doc.y + 4, { lineGap: LINE_GAP });
      break;
    case 'numbered':
      block.items.forEach((item, i) => hangingItem(doc, `${i + 1}.`, item, BODY_SIZE * 2, BODY_SIZE * 2));
      break;
    case 'fields':
      drawFields(doc, block.rows);
      break;
    case 'table':
      drawTable(doc, block);
      break;
  }
  doc.moveDown(0.2);
}

/** Labels in one column as wide as the longest, values aligned beside them. */
function drawFields(doc: Doc, rows: { label: string; value: string }[]): void {
  const labels = rows.map((row) => `${row.label}：`);
  const labelWidth = Math.max(...labels.map((label) => doc.widthOfString(label))) + BODY_SIZE / 2;
  rows.forEach((row, i) => hangingItem(doc, labels[i] ?? '', row.value, BODY_SIZE * 2, labelWidth));
}

/** A label in its own column and text that wraps under the text, not under the label. */
function hangingItem(doc: Doc, label: string, text: string, indent: number, labelWidth: number): void {
  const x = MARGIN.left + indent;
  const width = CONTENT_WIDTH - indent - labelWidth;
  const height = doc.heightOfString(text, { width, lineGap: LINE_GAP });
  if (doc.y + height > PAGE.height - MARGIN.bottom) doc.addPage();

  const top = doc.y;
  doc.text(label, x, top, { width: labelWidth, lineGap: LINE_GAP });
  doc.text(text, x + labelWidth, top, { width, lineGap: LINE_GAP });
}

function drawTable(doc: Doc, table: Extract<NoticeBlock, { type: 'table' }>): void {
  const size = 10;
  const padding = 4;
  const widths = table.columns.map((column) => column.width * CONTENT_WIDTH);
  doc.moveDown(0.3);

  const drawRow = (cells: string[], header: boolean): void => {
    doc.font(header ? 'bold' : 'regular').fontSize(size);
    const heights = cells.map((cell, i) =>
      doc.heightOfString(cell, { width: (widths[i] ?? 0) - 2 * padding }),
    );
    const rowHeight = Math.max(...heights) + 2 * padding;
    if (doc.y + rowHeight > PAGE.height - MARGIN.bottom) {
      doc.addPage();
      if (!header)
        drawRow(
          table.columns.map((column) => column.header),
          true,
        );
    }

    const top = doc.y;
    let x = MARGIN.left;
    doc.font(header ? 'bold' : 'regular').fontSize(size); // the repeated header may have changed it
    cells.forEach((cell, i) => {
      const width = widths[i] ?? 0;
      if (header) doc.rect(x, top, width, rowHeight).fill('#eeeeee').fillColor('black');
      doc.rect(x, top, width, rowHeight).lineWidth(0.5).strokeColor('#555555').stroke();
      const align = header || i === 0 ? 'center' : 'left';
      doc.text(cell, x + padding, top + padding, { width: width - 2 * padding, align });
      x += width;
    });
    doc.x = MARGIN.left;
    doc.y = top + rowHeight;
  };

  drawRow(
    table.columns.map((column) => column.header),
    true,
  );
  for (const row of table.rows) drawRow(row, false);
  doc.moveDown(0.6);
}

/** The authority's name and the date, on the right, where the official seal is applied. */
function drawSignature(doc: Doc, notice: ComposedNotice): void {
  const blockHeight = 90;
  if (doc.y + blockHeight > PAGE.height - MARGIN.bottom - FOOTER_HEIGHT) doc.addPage();

  const width = 180;
  const x = PAGE.width - MARGIN.right - width - BODY_SIZE * 2;
  const top = doc.y + 30;
  doc
    .font('regular')
    .fontSize(BODY_SIZE + 1)
    .fillColor('black');
  doc.text(`${ISSUING_AUTHORITY}（印章）`, x, top, { width, align: 'center' });
  doc.text(notice.issuedOn, x, top + 24, { width, align: 'center' });
  doc.x = MARGIN.left;
}

/** Reference, verification line and QR code at the foot of the last page. */
function drawFooter(doc: Doc, notice: ComposedNotice, verifyUrl: string, qrPng: Buffer): void {
  const top = PAGE.height - MARGIN.bottom - FOOTER_HEIGHT + 8;
  const textWidth = CONTENT_WIDTH - QR_SIZE - 12;
  horizontalRule(doc, top, 0.5, '#888888');

  doc.font('regular').fontSize(9).fillColor('#333333');
  doc.text(
    `${notice.referenceLabel}：${notice.applicationReference}    文号：${notice.documentNumber}`,
    MARGIN.left,
    top + 8,
    {
      width: textWidth,
    },
  );
  doc.text('核验方式：扫描右侧二维码，或访问下列网址，核对本文书内容与我局存档是否一致：', {
    width: textWidth,
    lineGap: 2,
  });
  doc.text(verifyUrl, { width: textWidth });
  doc.image(qrPng, PAGE.width - MARGIN.right - QR_SIZE, top + 4, { width: QR_SIZE, height: QR_SIZE });
  doc.fillColor('black');
}

function horizontalRule(doc: Doc, y: number, width: number, color: string): void {
  doc.moveTo(MARGIN.left, y).lineTo(PAGE.width - MARGIN.right, y);
  doc.lineWidth(width).strokeColor(color).stroke();
}

/** "— 1 —" centred under each page, written after layout so the count is known. */
function drawPageNumbers(doc: Doc): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would otherwise make pdfkit start a new page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(10).fillColor('#333333');
    doc.text(`— ${i + 1 - range.start} —`, MARGIN.left, PAGE.height - MARGIN.bottom + 28, {
      width: CONTENT_WIDTH,
      align: 'center',
    });
    doc.page.margins.bottom = bottom;
  }
}
