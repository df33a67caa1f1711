import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../../errors';
import { fenToYuanString, parseYuan } from '../amount';

/*
 * Reading and writing helpers shared by the ISO 20022 messages. Values are kept as
 * strings by the parser (parseTagValue: false): an account number or an amount must never
 * pass through a JavaScript number.
 */

export type XmlNode = { [name: string]: unknown };

const ISO_NAMESPACE = /urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})/;

// Elements that may repeat: always arrays, so that one transaction reads like ten.
const REPEATING = new Set([
  'PmtInf',
  'CdtTrfTxInf',
  'OrgnlPmtInfAndSts',
  'TxInfAndSts',
  'StsRsnInf',
  'AddtlInf',
  'Ustrd',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => REPEATING.has(name),
});

/**
 * Parses an ISO 20022 document and returns its message element (`messageElement` under
 * `Document`).
 * @throws ValidationError when the bytes are not well-formed XML, name another message in
 *   their namespace, or lack the expected message element.
 */
export function parseIsoMessage(content: Buffer, messageElement: string, messageName: string): XmlNode {
  const text = content.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new ValidationError(`The ${messageName} file is empty.`);
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    throw new ValidationError(
      `The file is not well-formed XML (line ${validation.err.line}): ${validation.err.msg}`,
      {
        line: validation.err.line,
      },
    );
  }

  const declared = ISO_NAMESPACE.exec(text)?.[1];
  if (declared && !declared.startsWith(messageName.slice(0, 8))) {
    throw new ValidationError(
      `The file is an ISO 20022 ${declared} message, not the ${messageName} expected here.`,
      { declared },
    );
  }
  const parsed = parser.parse(text) as XmlNode;
  const document = node(parsed, 'Document');
  const message = document && node(document, messageElement);
  if (!message) {
    const found =
      Object.keys(document ?? parsed)
        .filter((k) => !k.startsWith('?'))
        .join(', ') || 'nothing';
    throw new ValidationError(
      `The file is not a ${messageName} message: expected Document/${messageElement}, ` + `found ${found}.`,
    );
  }
  return message;
}

/** The child element `name`, or undefined. A repeating element gives its first occurrence. */
export function node(parent: XmlNode, name: string): XmlNode | undefined {
  const value = parent[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null ? (first as XmlNode) : undefined;
}

/** Every occurrence of the repeating child element `name`. */
export function nodes(parent: XmlNode, name: string): XmlNode[] {
  const value = parent[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter(
    (v): v is XmlNode => typeof v === 'object' && v !== null,
  );
}

/** The text at `path` below `parent`, or undefined when any step is missing or empty. */
export function textAt(parent: XmlNode, path: string[]): string | undefined {
  let current = elementAt(parent, path);
  if (typeof current === 'object' && current !== null) current = (current as XmlNode)['#text'];
  if (typeof current !== 'string' && typeof current !== 'number') return undefined;
  const text = String(current).trim();
  return text === '' ? undefined : text;
}

function elementAt(parent: XmlNode, path: string[]): unknown {
  let current: unknown = parent;
  for (const step of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    const value = (current as XmlNode)[step];
    current = Array.isArray(value) ? value[0] : value;
  }
  return current;
}

/**
 * The text at `path`, which must be there.
 * @throws ValidationError naming the element and where in the file it is missing.
 */
export function requiredText(parent: XmlNode, path: string[], where: string): string {
  const text = textAt(parent, path);
  if (text === undefined) throw new ValidationError(`${where}: ${path.join('/')} is missing.`, { where });
  return text;
}

/**
 * Reads an amount element with a `Ccy` attribute as fen.
 * @throws ValidationError when it is missing, not in CNY, or not a yuan amount.
 */
export function amountAt(parent: XmlNode, path: string[], where: string): bigint {
  const text = requiredText(parent, path, where);
  const element = elementAt(parent, path);
  const currency =
    typeof element === 'object' && element !== null ? (element as XmlNode)['@_Ccy'] : undefined;
  if (currency !== undefined && currency !== 'CNY') {
    throw new ValidationError(`${where}: the amount is in ${String(currency)}, only CNY is paid.`, { where });
  }
  try {
    return parseYuan(text);
  } catch {
    throw new ValidationError(`${where}: "${text.slice(0, 40)}" is not an amount in yuan.`, { where });
  }
}

/** An amount as ISO 20022 writes it: yuan with two decimals. */
export function isoAmount(fen: bigint): string {
  return fenToYuanString(fen);
}

/** Beijing time (UTC+8 all year, no daylight saving) as an ISO date-time with offset. */
export function beijingDateTime(moment: Date): string {
  return `${new Date(moment.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

/** The Beijing calendar date of `moment`, YYYY-MM-DD. */
export function beijingDate(moment: Date): string {
  return beijingDateTime(moment).slice(0, 10);
}

/**
 * Checks a field against the schema's length limit before a bank refuses the file.
 * @throws ValidationError naming the field.
 */
export function limited(value: string, maxLength: number, field: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || [...trimmed].length > maxLength) {
    throw new ValidationError(`${field} must have 1 to ${maxLength} characters for the bank file.`, {
      field,
    });
  }
  return trimmed;
}
