import { Connection } from '@temporalio/client';
import { startTemporalDevServer } from '../../services/temporal/dev-server';
import { freePort, portInUse } from '../support/ports';
import { readInfrastructure } from '../support/test-infrastructure';

describe('the Temporal dev server', () => {
  it('answers a client on the given port and frees the port once stopped', async () => {
    const port = await freePort();
    const server = await startTemporalDevServer({ port, uiPort: await freePort() });
    try {
      const connection = await Connection.connect({ address: server.address });
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();

      expect(server.address).toBe(`127.0.0.1:${port}`);
      expect(namespaceInfo?.name).toBe('default');
    } finally {
      await server.stop();
    }

    await expect(portInUse(port)).resolves.toBe(false);
  });

  it('refuses a port where a Temporal server already runs, and says how to use that one', async () => {
    const address = readInfrastructure().temporalAddress;
    const port = Number(address.split(':')[1]);

    const starting = startTemporalDevServer({ port, uiPort: await freePort() });

    await expect(starting).rejects.toThrow(`A Temporal server is already running on ${address}`);
    await expect(starting).rejects.toThrow(`TEMPORAL_ADDRESS=${address}`);
  });
});
