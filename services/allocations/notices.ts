import { AllocationInput, AllocationLine, Application, DistrictAccount, Notice } from '../../db/models';
import { ConflictError, NotFoundError } from '../errors';
import { issueNotice, readNoticePdf } from '../notices';
import { nextDocumentNumber } from '../notices/numbering';
import { pinnedVersion } from '../programs/versions';
import { shanghaiDate } from '../time';
import { findAllocation } from './allocations';
import type { Allocation as Calculation } from './calculate';

/*
 * Each district's allocation notice (资金下达通知): rendered from the approved calculation,
 * stored against the application that carries the district's payment, and mailed to the
 * district's contact address. Idempotent on its notice key, as activities need.
 */

const ACTOR = 'system:allocations';

/** `allocation:<id>:<districtCode>`: the notice key of one district's allocation notice. */
export function allocationNoticeKey(allocationId: string, districtCode: string): string {
  return `allocation:${allocationId}:${districtCode}`;
}

/**
 * Issues the district's notice of its approved allocation: numbered, rendered, stored,
 * recorded under the line's application, and mailed with the PDF attached. Issuing it again
 * returns the first notice and mails nothing more once it was mailed.
 * @throws NotFoundError when the allocation, its line, the line's application or the district's
 *   account does not exist; ConflictError ALLOCATION_NOT_APPROVED for a draft, or
 *   ALLOCATION_LINE_MISMATCH when the line's amount is not the calculation's.
 * @throws RangeError when the calculation contradicts itself (see compose-allocation.ts).
 */
export async function issueAllocationLineNotice(input: {
  allocationId: string;
  districtCode: string;
}): Promise<{ noticeId: string; noticeKey: string }> {
  const allocation = await findAllocation(input.allocationId);
  if (allocation.status === 'draft') {
    throw new ConflictError(
      'A draft allocation has no notices: approve it first.',
      'ALLOCATION_NOT_APPROVED',
    );
  }
  const { districtCode } = input;
  const line = await AllocationLine.findOne({ where: { allocationId: allocation.id, districtCode } });
  const application = line?.applicationId ? await Application.findByPk(line.applicationId) : null;
  if (!line || !application) throw new NotFoundError('Allocation line', `${allocation.id}/${districtCode}`);
  const account = await DistrictAccount.findByPk(districtCode);
  if (!account) throw new NotFoundError('District account', districtCode);

  const calculation = allocation.calculation as Calculation;
  const district = calculation.districts.find((d) => d.districtCode === districtCode);
  if (!district || BigInt(district.amountFen) !== BigInt(line.amountFen)) {
    throw new ConflictError(
      `The line of ${districtCode} does not match the approved calculation.`,
      'ALLOCATION_LINE_MISMATCH',
    );
  }
  const figures = await AllocationInput.findOne({ where: { year: allocation.year, districtCode } });
  const { definition } = await pinnedVersion(allocation.programVersionId);
  const noticeKey = allocationNoticeKey(allocation.id, districtCode);
  // A retried activity finds its notice already issued: it is not numbered or rendered again.
  const existing = await Notice.findOne({ where: { noticeKey } });

  const issued = await issueNotice({
    applicationId: application.id,
    recipientEmail: account.contactEmail,
    actor: ACTOR,
    content: {
      kind: 'allocation',
      programName: definition.name,
      documentNumber: existing ? '' : await nextDocumentNumber(allocation.year),
      issuedOn: shanghaiDate(),
      organisationName: `${district.districtName}民政局`,
      applicationReference: application.reference,
      noticeKey,
      year: allocation.year,
      districtCode,
      calculation,
      accountName: account.accountName,
      accountLast4: account.accountNumber.replace(/\D/g, '').slice(-4),
      bankName: account.bankName,
      usageReportDue: shanghaiDate(allocation.usageReportDue),
      synthetic: allocation.synthetic || account.synthetic || (figures?.synthetic ?? false),
    },
  });
  return { noticeId: issued.id, noticeKey: issued.noticeKey };
}

/**
 * The stored PDF of a district's allocation notice, as it was issued.
 * @throws NotFoundError when it has not been issued yet.
 */
export async function allocationLineNoticePdf(
  allocationId: string,
  districtCode: string,
): Promise<{ fileName: string; pdf: Buffer }> {
  const { fileName, content } = await readNoticePdf(allocationNoticeKey(allocationId, districtCode));
  return { fileName, pdf: content };
}
