import net from 'node:net';

/** A port on 127.0.0.1 that accepts TCP connections and nothing more. */
export interface ReachablePort {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 so that in-process (msw) tests can give connectors a base URL whose
 * DNS and TCP stages of `testConnection()` pass for real: those stages dial the host
 * themselves, which msw cannot intercept, while every HTTP request is still answered
 * in-process by the simulator's msw handlers.
 */
export async function reachablePort(): Promise<ReachablePort> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
