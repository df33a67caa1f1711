import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/*
 * Reads rendered notices back the way a person's PDF viewer would, with poppler's tools,
 * so the tests check the text that is really in the file, not the text we meant to draw.
 */

const run = promisify(execFile);

async function withPdfFile<T>(
  pdf: Buffer,
  work: (file: string, directory: string) => Promise<T>,
): Promise<T> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'notice-pdf-'));
  try {
    const file = path.join(directory, 'notice.pdf');
    await fs.writeFile(file, pdf);
    return await work(file, directory);
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}

/** The text as `pdftotext -layout` extracts it. */
export function pdfText(pdf: Buffer): Promise<string> {
  return withPdfFile(pdf, async (file) => (await run('pdftotext', ['-layout', file, '-'])).stdout);
}

/** The text with all white space removed, so phrases that wrap across lines still match. */
export async function pdfTextCompact(pdf: Buffer): Promise<string> {
  return (await pdfText(pdf)).replace(/\s+/g, '');
}

/** `pdfinfo`'s fields, such as Title, Author, Pages. */
export function pdfInfo(pdf: Buffer): Promise<Record<string, string>> {
  return withPdfFile(pdf, async (file) => {
    const { stdout } = await run('pdfinfo', [file]);
    const entries = stdout
      .split('\n')
      .map((line) => /^([^:]+):\s*(.*)$/.exec(line))
      .filter((m) => m !== null);
    return Object.fromEntries(entries.map((m) => [m[1], m[2] ?? '']));
  });
}

/** `pdffonts` output: the embedded fonts. */
export function pdfFonts(pdf: Buffer): Promise<string> {
  return withPdfFile(pdf, async (file) => (await run('pdffonts', [file])).stdout);
}

/** `pdfimages -list` output: the images placed in the document. */
export function pdfImages(pdf: Buffer): Promise<string> {
  return withPdfFile(pdf, async (file) => (await run('pdfimages', ['-list', file])).stdout);
}

/** Rasterises page 1 at 60 dpi, as `pdftoppm -png -r 60` does, and returns the PNG. */
export function pdfFirstPagePng(pdf: Buffer): Promise<Buffer> {
  return withPdfFile(pdf, async (file, directory) => {
    const prefix = path.join(directory, 'page');
    await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, prefix]);
    return fs.readFile(`${prefix}.png`);
  });
}
