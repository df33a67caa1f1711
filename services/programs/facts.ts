/**
 * The facts the engine works out for every application and hands to a program's rules
 * and formula, beside the facts the applicant supplied (the definition's `facts`).
 * A definition may read these by name; the validator refuses any other unknown name.
 */
export const ENGINE_FACTS = {
  programYear: 'the year the application belongs to',
  applicantType: 'provider, township or district',
  subjectCount: 'subjects listed in the application (for beds: the beds)',
  subjectsInspected: 'subjects with an on-site finding',
  subjectsPassed: 'subjects that passed on-site inspection',
  subjectsPayable: 'subjects passed and neither funded before nor excluded for long-term care insurance',
  duplicateSubjects: 'subjects already funded for an overlapping period (same funding group)',
  ltcCoveredSubjects: 'beds whose person is covered by long-term care insurance for the period',
  applicantSubjectsPassed: "subjects that passed inspection across the applicant's live applications",
  blacklisted: 'the applicant is on the blacklist on the day of evaluation',
  sharedBankAccount: 'the bank account is also used by an unrelated applicant',
} as const;

export type EngineFactName = keyof typeof ENGINE_FACTS;

/** The engine facts as printed on notices and shown to reviewers. */
export const ENGINE_FACT_LABELS: Readonly<Record<EngineFactName, string>> = {
  programYear: '申报年度',
  applicantType: '申报主体类型',
  subjectCount: '申报数量',
  subjectsInspected: '核查数量',
  subjectsPassed: '核查合格数量',
  subjectsPayable: '可予奖补数量',
  duplicateSubjects: '已享受同类奖补数量',
  ltcCoveredSubjects: '已享受长期护理保险数量',
  applicantSubjectsPassed: '申报主体运营合格数量',
  blacklisted: '列入黑名单',
  sharedBankAccount: '银行账户与其他主体共用',
};
