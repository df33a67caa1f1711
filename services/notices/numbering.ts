import { QueryTypes } from 'sequelize';
import { database } from '../../db';

/**
 * The next document number, such as 烟民养补〔2026〕第000012号. One number series serves all
 * notices, an application's and a round's alike, so that no number is issued twice.
 */
export async function nextDocumentNumber(year: number): Promise<string> {
  const [row] = await database().query<{ seq: string }>("SELECT nextval('notice_number_seq') AS seq", {
    type: QueryTypes.SELECT,
  });
  return `烟民养补〔${year}〕第${String(row?.seq ?? '0').padStart(6, '0')}号`;
}
