import net from 'node:net';

/*
 * Test ports come from below Linux's ephemeral range (32768–60999). A port the OS hands out
 * as ephemeral can be taken again, before the test binds it, by any outgoing connection or by
 * the Temporal dev server's own internal ports, which are ephemeral too; the dev server then
 * panics when its UI port turns out to be taken. Below that range only listeners that chose
 * the number themselves compete, and a random pick makes two test workers meeting unlikely.
 */
const LOWEST_TEST_PORT = 20_000;
const TEST_PORT_COUNT = 12_000;
const ATTEMPTS = 50;

/** A TCP port on 127.0.0.1, outside the ephemeral range, that was free a moment ago. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOWEST_TEST_PORT + Math.floor(Math.random() * TEST_PORT_COUNT);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found in ${ATTEMPTS} tries from ${LOWEST_TEST_PORT} upwards`);
}

async function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
