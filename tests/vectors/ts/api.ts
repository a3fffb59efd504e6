// Type-checked by `tsc -p tests/vectors/ts/tsconfig.json` (make test), never run: the
// generated declarations (generated/ts/*.d.ts) as a TypeScript user writes against them.
import * as market from '../../../generated/ts/market';
import * as frames from '../../../generated/ts/frames';
import * as everything from '../../../generated/ts/everything';
import * as common from '../../../generated/ts/common';

export function tick(buf: Uint8Array): number {
  const t = new market.MarketTick(buf, 0);
  t.symbol = 'BTCUSDT';
  t.price = 1000.25;
  t.quantity = 7;
  t.timestamp = 1700000000000000000n;
  const size: 32 = market.MarketTick.SIZE;
  const fp: bigint = market.MarketTick.FINGERPRINT ^ market.SCHEMA_FINGERPRINT;
  const o = t.toObject();
  const s: string = o.symbol;
  const decoded = market.decode(market.MSG_BID, new DataView(buf.buffer), 0, 32);
  const price: number = decoded === null ? 0 : decoded.price;
  return size + Number(fp & 1n) + s.length + price + t.symbolBytes().length + (market.payloadSize(1) ?? 0);
}

export function media(): number {
  const f = new frames.VideoFrame(new ArrayBuffer(frames.VideoFrame.SIZE));
  const h: frames.MediaHeader = f.header;
  h.format = frames.PixelFormat.RGB565;
  h.flags = frames.FrameFlags.KEY | frames.FrameFlags.DISCONTINUITY;
  const fmt: frames.PixelFormat = h.format;
  const pixels: Uint8Array = f.pixelsArray();
  f.setPixels(0, 255);
  const samples: Float32Array = new frames.Frame(new Float32Array(256)).samplesArray();
  const d = frames.decode(frames.MSG_AUDIO, new Uint8Array(frames.AudioFrame.SIZE));
  if (d instanceof frames.AudioFrame) d.setSamples(0, -1);
  return fmt + pixels.length + samples.length + frames.VIDEO_BYTES;
}

export function all(): bigint {
  const c = new everything.Collections(new ArrayBuffer(128));
  const v: common.Vec3 = c.getPoints(1);
  v.x = 1.5;
  c.setColors(0, everything.Color.BLUE);
  const side: common.Side = c.side;
  const perm: everything.Perm = c.getPerms(0) | everything.Perm.TOP;
  const money: common.Money = c.price;
  const s = new everything.Scalars(new ArrayBuffer(everything.Scalars.SIZE));
  s.aU64 = everything.MAGIC;
  s.flag = everything.STRICT;
  const obj = c.toObject();
  const first: number = obj.points[0].x;
  return s.aU64 + money.units + BigInt(side + perm + first) + BigInt(everything.MIN_TEMP);
}
