import fs from 'node:fs';
import path from 'node:path';

/*
 * Noto Sans SC, regular and bold, from the installed font package. Each file is about
 * 10 MB, so it is read once per process; pdfkit embeds only the glyphs a notice uses.
 */

export interface NoticeFonts {
  regular: Buffer;
  bold: Buffer;
}

let cached: NoticeFonts | undefined;

/**
 * The TTF files as Buffers, read on first use and kept.
 * @throws Error naming the missing file when the font package is not installed as expected.
 */
export function noticeFonts(): NoticeFonts {
  cached ??= {
    regular: readFontFile('400Regular', 'NotoSansSC_400Regular.ttf'),
    bold: readFontFile('700Bold', 'NotoSansSC_700Bold.ttf'),
  };
  return cached;
}

function readFontFile(weightDirectory: string, fileName: string): Buffer {
  // Resolve the package's manifest rather than its entry point: the entry is for Expo apps
  // and may move, while the TTF files sit beside the manifest in each weight's directory.
  const packageRoot = path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
  const file = path.join(packageRoot, weightDirectory, fileName);
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new Error(`Notice font missing: ${file}`, { cause: error });
  }
}
