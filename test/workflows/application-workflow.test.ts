import { WorkflowUpdateFailedError } from '@temporalio/client';
import { User } from '../../db/models';
import { config } from '../../services/config';
import { connectClient } from '../../services/temporal/connection';
import { repositoryDefinition } from '../support/programs';
import {
  applicationWorkflowId,
  decideUpdate,
  statusQuery,
  type Actor,
} from '../../workflows/application-messages';
import type { StageTable } from '../../workflows/stages';
import { ApiClient } from '../support/http';
import { sampleSubmission } from '../support/samples';
import { startSystem, type RunningSystem } from '../support/system';

const HOME_BED_STAGES = repositoryDefinition('home-bed').stages;

let system: RunningSystem;
let provider: ApiClient;

beforeAll(async () => {
  system = await startSystem();
  provider = await ApiClient.login(system.url, 'provider');
}, 120_000);
afterAll(() => system?.stop());

async function actor(username: string, regionCode?: string): Promise<Actor> {
  const user = (await User.findOne({ where: { username } })) as User;
  return { userId: user.id, role: user.role, regionCode: regionCode ?? user.regionCode };
}

/** Starts a workflow for a real submitted application, with the given stage table. */
async function startWith(stages: StageTable) {
  const submitted = await provider.post('/applications', sampleSubmission(1));
  const application = submitted.body;
  const client = await connectClient();
  // The API already started the home-bed workflow; a second one with its own id tests the table.
  const workflowId = `${applicationWorkflowId(application.id)}-custom`;
  return client.workflow.start('applicationWorkflow', {
    taskQueue: config().temporalTaskQueue,
    workflowId,
    args: [
      {
        applicationId: application.id,
        reference: application.reference,
        programCode: 'home-bed',
        applicantUserId: (await actor('provider')).userId,
        townshipCode: 'zhifu-t1',
        districtCode: 'zhifu',
        cityCode: 'yantai',
        bedIds: application.beds.map((bed: { id: string }) => bed.id),
        stages,
      },
    ],
  });
}

describe('the application workflow', () => {
  it('refuses in its validator an actor of the right role from another region', async () => {
    const handle = await startWith(HOME_BED_STAGES);
    const outsider = await actor('township', 'fushan-t1');

    const refusal = handle.executeUpdate(decideUpdate, {
      args: [{ actor: outsider, stageId: 'completeness', decision: 'accept' }],
    });

    await expect(refusal).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(refusal).rejects.toMatchObject({ cause: { type: 'FORBIDDEN_REGION' } });
    expect((await handle.query(statusQuery)).stageId).toBe('completeness');
    await handle.terminate('test finished');
  });

  it('follows whatever stage table it was started with, knowing no program', async () => {
    const cityOnly: StageTable = {
      first: 'city_review',
      stages: [
        {
          id: 'city_review',
          name: '审定',
          role: 'city_reviewer',
          level: 'city',
          kind: 'review',
          decisions: { approve: { target: { to: 'award' }, reasonsRequired: false } },
        },
      ],
    };
    const handle = await startWith(cityOnly);

    const state = await handle.executeUpdate(decideUpdate, {
      args: [{ actor: await actor('city'), stageId: 'city_review', decision: 'approve' }],
    });

    // No bed was inspected, so the award step refuses it: the table led straight to the award.
    expect(state.status).toBe('refused');
    expect(await handle.result()).toMatchObject({ status: 'refused' });
  });
});
