// The Node.js peer of the RPC matrix: serves Pricing with the generated PricingServer, or calls it with the
// generated PricingClient (200 calls, 32 pipelined, Ping, an unknown method). Usage: peer.js serve|call SOCKET
'use strict';
const path = require('path');
const { RpcClient, RpcServer, RpcStatus } = require(path.join(__dirname, '../../../../runtime/node'));
const { PricingClient, PricingServer, QuoteRequest } = require(path.join(__dirname, '../../golden/ts/pricing.js'));

const T = { timeout: 10000 };

class Pricer extends PricingServer {
  quote(request, reply) {
    reply.price = request.qty * 1.5 + Buffer.byteLength(request.symbol);
    reply.qty = request.qty + 1;
  }

  ping() {}
}

const symbolOf = (i) => `SYM${i % 100}`;

function check(r, i) {
  const want = i * 1.5 + Buffer.byteLength(symbolOf(i));
  return r.price === want && r.qty === i + 1 ? null : `call ${i}: price ${r.price} qty ${r.qty}, want ${want} ${i + 1}`;
}

async function call(socket) {
  const conn = await RpcClient.connect(socket, { timeout: 20000 });
  try {
    const pricing = new PricingClient(conn);
    const req = new QuoteRequest(new ArrayBuffer(QuoteRequest.SIZE));
    for (let i = 0; i < 200; i++) {
      req.clear();
      req.symbol = symbolOf(i);
      req.qty = i;
      const bad = await pricing.quote(req, (r) => check(r, i), T);
      if (bad) return bad;
    }
    const sent = new Map();
    for (let i = 0; i < 32; i++) {
      req.clear();
      req.symbol = symbolOf(i);
      req.qty = i;
      sent.set(pricing.quoteSend(req, T), i);
    }
    while (sent.size) {
      const reply = await conn.nextReply(T);
      const i = sent.get(reply.callId);
      if (i === undefined) {
        reply.release();
        return `reply to call ${reply.callId}, which is not pending`;
      }
      sent.delete(reply.callId);
      const bad = PricingClient.quoteReply(conn, reply, (r) => check(r, i));
      if (bad) return bad;
    }
    await pricing.ping(T);
    const unknown = await conn.call(99, undefined, 0, T);
    const status = unknown.status;
    unknown.release();
    return status === RpcStatus.UNKNOWN_METHOD ? null : `method 99: status ${status}, want UNKNOWN_METHOD`;
  } finally {
    conn.close();
  }
}

async function main() {
  const [mode, socket] = process.argv.slice(2);
  if (process.argv.length !== 4 || !['serve', 'call'].includes(mode)) {
    process.stderr.write('usage: peer.js serve|call SOCKET\n');
    process.exit(2);
  }
  if (mode === 'serve') {
    const conn = await RpcServer.listen(socket, { timeout: 30000 });
    await new Pricer().serve(conn);
    conn.close();
    return;
  }
  const bad = await call(socket);
  console.log(bad || 'ok');
  process.exitCode = bad ? 1 : 0;
}

main().catch((e) => {
  console.log(String(e));
  process.exit(1);
});
