import { inTransaction } from '..';
import { Allocation, AllocationInput, DistrictAccount } from '../models';
import { draftAllocation, MUTUAL_AID_PROGRAM } from '../../services/allocations/allocations';
import { DISTRICTS } from './regions';

/*
 * The example allocation of the neighbourhood mutual-aid funding: every district-level unit
 * with a treasury account and a year of figures, all invented (marked synthetic, and shown so
 * wherever they appear), and the year's allocation drafted from them for the city to review.
 */

/** Invented figures, of the order of Yantai's: urban communities, rural communities, residents aged 60+. */
const SAMPLE_FIGURES: Readonly<Record<string, [number, number, number]>> = {
  zhifu: [152, 18, 236_000],
  fushan: [46, 270, 121_000],
  muping: [38, 580, 132_000],
  laishan: [61, 95, 84_000],
  penglai: [42, 610, 118_000],
  longkou: [58, 590, 162_000],
  laiyang: [50, 780, 201_000],
  laizhou: [64, 980, 224_000],
  zhaoyuan: [45, 720, 139_000],
  qixia: [30, 930, 146_000],
  haiyang: [35, 700, 148_000],
  yeda: [44, 60, 52_000],
  gaoxin: [20, 35, 21_000],
  changdao: [6, 40, 11_000],
};

/** Accounts, figures and the draft for `year`; rows already there are left as they are. */
export async function seedExampleAllocation(year: number, adminId: string): Promise<void> {
  await inTransaction(async (tx) => {
    for (const district of DISTRICTS) {
      await DistrictAccount.findOrCreate({
        where: { districtCode: district.code },
        defaults: {
          districtCode: district.code,
          accountName: `${district.name}财政局（合成数据）`,
          accountNumber: `6217000000${String(DISTRICTS.indexOf(district) + 1).padStart(8, '0')}`,
          bankName: '示例银行烟台分行（合成数据）',
          contactEmail: `mzj-${district.code}@example.test`,
          synthetic: true,
        },
        transaction: tx,
      });
      const [urban, rural, older] = SAMPLE_FIGURES[district.code] ?? [0, 0, 0];
      await AllocationInput.findOrCreate({
        where: { year, districtCode: district.code },
        defaults: {
          year,
          districtCode: district.code,
          urbanCommunities: urban,
          ruralCommunities: rural,
          olderResidents: older,
          importId: null,
          synthetic: true,
          updatedBy: adminId,
          updatedAt: new Date(),
        },
        transaction: tx,
      });
    }
  });
  if (await Allocation.findOne({ where: { programCode: MUTUAL_AID_PROGRAM, year } })) return;
  // Usage reports are due at the end of the first quarter after the year.
  await draftAllocation({ year, usageReportDue: `${year + 1}-03-31T23:59:59+08:00` }, adminId);
}
