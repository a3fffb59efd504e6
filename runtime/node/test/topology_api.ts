// Compiled by `tsc -p tsconfig.json` (the node-types suite): the topology declarations as a user writes them.
import { Bus, Delivery, FanIn, FanOut, HeldMessage, LaggedError, Subscriber, WaitSet } from '../index';

export async function fanOut(bus: Bus): Promise<number> {
  const pub: FanOut = FanOut.listen('@ticks', 1 << 20, { policy: 'drop' });
  const ok: boolean = pub.trySend(new Uint8Array(8), 1);
  await pub.send(new Uint8Array([1, 2, 3]), 1, { timeout: 100 });
  pub.trySendZeroCopy(16, 2, (view: Uint8Array) => view.fill(0));
  const sub: Subscriber = await Subscriber.connect('@ticks', { join: 'oldest', timeout: 1000 });
  let n = ok ? pub.subscribers : 0;
  try {
    for await (const msg of sub) {
      const held: HeldMessage = msg;
      n += held.view.byteLength + held.typeId;
      break;
    }
  } catch (e) {
    if (e instanceof LaggedError) sub.rejoin('newest');
  }
  const d: Delivery = await sub.recv({ timeout: 10 });
  const fi: FanIn = FanIn.listen('@orders', 1 << 16);
  const m = fi.tryRecvZeroCopy();
  if (m !== null && m.sender !== null) n += m.sender.pid;
  const ws = new WaitSet();
  ws.add(sub, 1);
  ws.add(fi, 2);
  ws.add(bus, 3);
  const keys: number[] = await ws.wait({ timeout: 5 });
  ws.close();
  return n + d.data.length + keys.length + ws.fd + fi.producers;
}
