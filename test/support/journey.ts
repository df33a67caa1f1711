import type { ApiClient } from './http';
import { sampleSubmission } from './samples';

/**
 * Submits a sample application and takes it through every stage up to the city's decision,
 * every bed inspected with `inspection`. `beds` is a number of sample beds or a whole submission.
 */
export async function submitAndReviewToCity(
  as: (name: string) => ApiClient,
  beds: number | Record<string, unknown> = 2,
  inspection: 'pass' | 'fail' = 'pass',
): Promise<string> {
  const body = typeof beds === 'number' ? sampleSubmission(beds) : beds;
  const submitted = await as('provider').post('/applications', body);
  if (submitted.status !== 201) throw new Error(`submission failed: ${JSON.stringify(submitted.body)}`);
  const id = submitted.body.id as string;
  const steps: Array<[string, string, string]> = [
    ['township', 'completeness', 'accept'],
    ['township', 'first_review', 'approve'],
  ];
  for (const [user, stage, decision] of steps)
    await expectOk(as(user).post(`/applications/${id}/decisions`, { stage, decision }));
  for (const bed of submitted.body.beds as Array<{ id: string }>) {
    await expectOk(
      as('assessor').post(`/applications/${id}/beds/${bed.id}/inspection`, {
        result: inspection,
        note: inspection === 'pass' ? '符合建设标准' : '未安装紧急呼叫设备',
      }),
    );
  }
  await expectOk(
    as('assessor').post(`/applications/${id}/decisions`, { stage: 'site_inspection', decision: 'complete' }),
  );
  await expectOk(
    as('district').post(`/applications/${id}/decisions`, { stage: 'district_review', decision: 'approve' }),
  );
  return id;
}

async function expectOk(request: Promise<{ status: number; body: unknown }>): Promise<void> {
  const response = await request;
  if (response.status >= 300)
    throw new Error(`step failed with ${response.status}: ${JSON.stringify(response.body)}`);
}
