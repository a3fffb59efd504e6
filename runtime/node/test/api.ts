// Type-checked by `tsc -p tsconfig.json` (make test), never run: the declared API
// as a TypeScript user writes it.
import * as tachyon from '..';
import { Batch, Bus, Message, RxMessage, TachyonError } from '..';

async function consumer(path: string): Promise<number> {
  const bus: Bus = await Bus.listen(path, 1 << 20, { timeout: 1000, fingerprint: 0x1234n, allowAnyUid: false });
  let n = 0;
  for await (const msg of bus) {
    const m: Message = msg;
    n += m.size + m.data.byteLength + m.typeId;
  }
  const batch: Batch | null = await bus.recvBatch(64, { timeout: 5 });
  if (batch !== null) {
    for (const item of batch) n += item.offset + item.size + item.typeId + item.data[0];
    const ids: Uint32Array = batch.typeIds;
    n += ids.length + batch.view.getFloat64(batch.offset(0), true) + batch.data(0).byteLength;
    batch.commit();
  }
  const rx: RxMessage | null = await bus.recvZeroCopy();
  if (rx) {
    n += rx.view.getUint32(0, true);
    rx.commit();
  }
  for await (const b of bus.batches(128)) n += b.length;
  const drained: Batch = bus.drainBatch();
  drained.commit();
  const stats: tachyon.Stats = bus.stats();
  n += stats.messages + bus.capacity + bus.maxMessageSize;
  const fp: bigint = bus.fingerprint;
  bus.spin = 100;
  bus.close();
  return n + Number(fp);
}

async function producer(path: string): Promise<void> {
  const bus = await Bus.connect(path, { timeout: 100 });
  await bus.send(new Float32Array(4), 1);
  await bus.send(new DataView(new ArrayBuffer(8)), 2, { timeout: 10 });
  const ok: boolean = bus.trySend(new ArrayBuffer(4));
  await bus.sendZeroCopy(32, 1, (slot: Uint8Array) => {
    slot[0] = 1;
    return 16;
  });
  bus.trySendZeroCopy(8, 2, (slot) => { slot.fill(ok ? 1 : 0); });
  bus.flush();
  bus.close();
}

function handle(e: unknown): string {
  if (e instanceof tachyon.PeerGoneError) return e.code;
  if (e instanceof tachyon.TimeoutError) return String(e.number);
  if (e instanceof TachyonError) return e.message;
  return 'other';
}

export { consumer, producer, handle };
