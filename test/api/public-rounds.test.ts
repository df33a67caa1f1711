import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Objection, type Application, type Round } from '../../db/models';
import {
  createPublicRoundsRouter,
  type PublicRoundsRouterOptions,
} from '../../services/api/routes/public-rounds';
import { AppError } from '../../services/errors';
import { issuePublicNoticeList } from '../../services/rounds/notices';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { pdfTextCompact } from '../notices/pdf-tools';
import {
  createRound,
  createRoundApplication,
  createRoundWorld,
  rankRound,
  type RoundWorld,
} from '../support/round-rows';

/*
 * The public routes on an express app of their own, as app.ts mounts them before
 * authentication. The round's workflow is replaced by a notifier that records its calls: the
 * workflow's side of the signal is tested with the workflow. People and townships are invented.
 */

let world: RoundWorld;
let round: Round;
let winner: Application;
let runnerUp: Application;
const servers: Server[] = [];

beforeAll(async () => {
  await useTestDatabase();
  world = await createRoundWorld();
  round = await createRound(world);
  winner = await createRoundApplication(world, round);
  runnerUp = await createRoundApplication(world, round);
  await rankRound(round, [winner], [runnerUp]);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await releaseTestDatabase();
});

/** Starts the router with the API's error shape; returns its base URL. */
async function start(options: PublicRoundsRouterOptions): Promise<string> {
  const app = express();
  app.use(express.json());
  app.use('/public/rounds', createPublicRoundsRouter(options));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof AppError) res.status(error.status).json({ error: error.toJSON() });
    else res.status(500).json({ error: { code: 'INTERNAL', message: String(error) } });
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Call = [roundId: string, objectionId: string, applicationId: string];

function recordingNotifier(): { calls: Call[]; notify: PublicRoundsRouterOptions['notifyRoundOfObjection'] } {
  const calls: Call[] = [];
  return { calls, notify: async (...call: Call) => void calls.push(call) };
}

function post(baseUrl: string, path: string, body: unknown): Promise<globalThis.Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const objection = (applicationId: string) => ({
  applicationId,
  name: '赵丽华',
  contact: '13912345678',
  text: '该街道申报的养老服务站点数量与实际不符，请予核实。',
});

function listEntry(application: Application, rank: number) {
  return { rank, organisationName: application.organisationName, districtName: '芝罘区', score: '88.50' };
}

describe('GET /public/rounds/:id/notice', () => {
  it('answers 404 while a round has published no list, and for an id that is no round', async () => {
    const baseUrl = await start({ notifyRoundOfObjection: recordingNotifier().notify });
    const unpublished = await createRound(world);

    const none = await fetch(`${baseUrl}/public/rounds/${unpublished.id}/notice`);
    const bad = await fetch(`${baseUrl}/public/rounds/not-a-round/notice`);

    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(bad.status).toBe(404);
  });

  it('serves the latest list as a PDF, without signing in', async () => {
    const baseUrl = await start({ notifyRoundOfObjection: recordingNotifier().notify });
    const listInput = {
      roundId: round.id,
      periodFrom: '2031-07-01',
      periodTo: '2031-07-07',
      objectionUrl: `https://subsidies.example.cn/public/rounds/${round.id}/objections`,
    };
    await issuePublicNoticeList({ ...listInput, sequence: 1, entries: [listEntry(runnerUp, 2)] });
    await issuePublicNoticeList({ ...listInput, sequence: 2, entries: [listEntry(winner, 1)] });

    const response = await fetch(`${baseUrl}/public/rounds/${round.id}/notice`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toMatch(/^inline; filename\*=UTF-8''/);
    const text = await pdfTextCompact(Buffer.from(await response.arrayBuffer()));
    expect(text).toContain(winner.organisationName);
    expect(text).not.toContain(runnerUp.organisationName);
  });
});

describe('POST /public/rounds/:id/objections', () => {
  it('records the objection, answers 201 and tells the round workflow', async () => {
    const notifier = recordingNotifier();
    const baseUrl = await start({ notifyRoundOfObjection: notifier.notify, objectionsPerHour: 100 });

    const response = await post(baseUrl, `/public/rounds/${round.id}/objections`, objection(winner.id));

    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; receivedAt: string };
    expect(body).toEqual({ id: expect.any(String), receivedAt: expect.any(String) });
    expect(await Objection.findByPk(body.id)).toMatchObject({
      status: 'pending',
      contactMasked: '139****5678',
    });
    expect(notifier.calls).toEqual([[round.id, body.id, winner.id]]);
  });

  it('answers 400 naming each bad field, and tells the workflow nothing', async () => {
    const notifier = recordingNotifier();
    const baseUrl = await start({ notifyRoundOfObjection: notifier.notify, objectionsPerHour: 100 });

    const response = await post(baseUrl, `/public/rounds/${round.id}/objections`, {
      applicationId: winner.id,
      name: '赵',
      text: '不属实',
    });

    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; details: { field: string }[] } };
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((detail) => detail.field)).toEqual(['name', 'contact', 'text']);
    expect(notifier.calls).toEqual([]);
  });

  it('answers 409 for a candidate not on the list, and 404 for a round that does not exist', async () => {
    const baseUrl = await start({
      notifyRoundOfObjection: recordingNotifier().notify,
      objectionsPerHour: 100,
    });

    const notListed = await post(baseUrl, `/public/rounds/${round.id}/objections`, objection(runnerUp.id));
    const noRound = await post(
      baseUrl,
      `/public/rounds/${crypto.randomUUID()}/objections`,
      objection(winner.id),
    );

    expect(notListed.status).toBe(409);
    expect(await notListed.json()).toMatchObject({ error: { code: 'NOT_IN_PUBLIC_NOTICE' } });
    expect(noRound.status).toBe(404);
  });

  it('still answers 201 when the workflow cannot be told, since the objection is recorded', async () => {
    const notify = async (): Promise<void> => {
      throw new Error('Temporal is unreachable');
    };
    const baseUrl = await start({ notifyRoundOfObjection: notify, objectionsPerHour: 100 });

    const response = await post(baseUrl, `/public/rounds/${round.id}/objections`, objection(winner.id));

    expect(response.status).toBe(201);
  });

  it('answers 429 in the API error shape after five objections an hour from one address', async () => {
    const baseUrl = await start({ notifyRoundOfObjection: recordingNotifier().notify });
    const path = `/public/rounds/${round.id}/objections`;

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(baseUrl, path, objection(winner.id))).status);
    const refused = await post(baseUrl, path, objection(winner.id));

    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error: { code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('try again in an hour') },
    });
    expect(refused.headers.get('ratelimit-policy')).toMatch(/q=5/);
  });
});
