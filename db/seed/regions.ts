/**
 * Yantai's district-level units (real names) and two townships for each (synthetic:
 * invented names and codes for demonstration, marked `synthetic` wherever shown).
 */
export const CITY = { code: 'yantai', name: '烟台市' } as const;

export const DISTRICTS: ReadonlyArray<{ code: string; name: string }> = [
  { code: 'zhifu', name: '芝罘区' },
  { code: 'fushan', name: '福山区' },
  { code: 'muping', name: '牟平区' },
  { code: 'laishan', name: '莱山区' },
  { code: 'penglai', name: '蓬莱区' },
  { code: 'longkou', name: '龙口市' },
  { code: 'laiyang', name: '莱阳市' },
  { code: 'laizhou', name: '莱州市' },
  { code: 'zhaoyuan', name: '招远市' },
  { code: 'qixia', name: '栖霞市' },
  { code: 'haiyang', name: '海阳市' },
  { code: 'yeda', name: '烟台经济技术开发区' },
  { code: 'gaoxin', name: '烟台高新技术产业开发区' },
  { code: 'changdao', name: '长岛综合试验区' },
];

/** Two synthetic townships per district: `<district>-t1`, `<district>-t2`. */
export function syntheticTownships(): Array<{ code: string; name: string; parentCode: string }> {
  return DISTRICTS.flatMap((district) =>
    [1, 2].map((n) => ({
      code: `${district.code}-t${n}`,
      name: `${district.name}示例街道${n === 1 ? '一' : '二'}（合成数据）`,
      parentCode: district.code,
    })),
  );
}
