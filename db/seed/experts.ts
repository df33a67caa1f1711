import { User } from '../models';
import { registerExpert } from '../../services/rounds/experts';
import { moduleLogger } from '../../services/logger';
import { DISTRICTS } from './regions';

/*
 * A demonstration expert pool: twenty invented experts, spread over the districts so that
 * every application has experts from elsewhere to draw. Names are synthetic and say so.
 */

const log = moduleLogger('seed');

const EXPERT_PASSWORD = 'demo-2026';
const EXPERT_COUNT = 20;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN_NAMES = ['建华', '秀英', '志强', '丽娟', '海涛', '晓燕', '国庆', '春梅', '立新', '文静'];
const SPECIALTIES = ['养老服务管理', '老年医学与护理', '社会工作', '财务与审计', '适老化建筑设计'];

/** The username of the nth demo expert, 1-based: expert01 … expert20. */
export function demoExpertUsername(n: number): string {
  return `expert${String(n).padStart(2, '0')}`;
}

/**
 * Registers the twenty demo experts (users expert01 … expert20, password demo-2026), each
 * in a district of db/seed/regions.ts taken in turn. Needs the regions in place. Safe to
 * run again: an expert whose username exists is left as it is.
 * @returns the usernames registered by this call.
 */
export async function seedExperts(): Promise<string[]> {
  const created: string[] = [];
  for (let n = 1; n <= EXPERT_COUNT; n++) {
    const username = demoExpertUsername(n);
    if (await User.findOne({ where: { username } })) continue;

    const index = n - 1;
    const district = DISTRICTS[index % DISTRICTS.length] as (typeof DISTRICTS)[number];
    // 3 × index runs through every given name in ten steps; the second ten shift by one.
    const given = GIVEN_NAMES[(index * 3 + Math.floor(index / 10)) % GIVEN_NAMES.length];
    const name = `${SURNAMES[index % SURNAMES.length]}${given}（合成数据）`;
    await registerExpert(
      {
        username,
        displayName: `评审专家 ${name}`,
        email: `${username}@example.test`,
        password: EXPERT_PASSWORD,
        name,
        districtCode: district.code,
        specialty: SPECIALTIES[index % SPECIALTIES.length] as string,
      },
      'system:seed',
    );
    created.push(username);
  }

  log.info({ created: created.length }, 'demo experts in place');
  return created;
}
