//! The Rust peer of the cross-language RPC matrix (tests/rpc/matrix.sh has
//! the contract): `rpc-peer serve SOCKET` answers Pricing with the generated
//! server trait until the client goes; `rpc-peer call SOCKET` checks 200
//! blocking calls, 32 pipelined ones, Ping and an unknown method through the
//! generated client.

#[allow(dead_code)]
#[path = "../../golden/rust/pricing.rs"]
mod pricing;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use pricing::{
    PricingClient, PricingReply, PricingServer, QuoteReplyMut, QuoteRequest, QuoteRequestMut,
};
use tachyon_ipc::rpc::{Call, CallError, Rpc};
use tachyon_ipc::Options;

const T: Option<Duration> = Some(Duration::from_secs(10));

struct Quoter;

impl PricingServer for Quoter {
    fn quote(
        &mut self,
        _call: &Call<'_>,
        request: QuoteRequest<'_>,
        mut reply: QuoteReplyMut<'_>,
    ) -> Result<(), u32> {
        let symbol = request.symbol();
        let len = symbol.iter().position(|&b| b == 0).unwrap_or(symbol.len());
        reply.clear();
        reply.set_price(f64::from(request.qty()) * 1.5 + len as f64);
        reply.set_qty(request.qty() + 1);
        Ok(())
    }

    fn ping(&mut self, _call: &Call<'_>) -> Result<(), u32> {
        Ok(())
    }
}

fn serve(path: &str) -> Result<(), String> {
    let options = Options { timeout: T, ..Options::default() };
    let mut rpc = Rpc::listen_with(path, 1 << 16, options).map_err(|e| format!("listen: {e}"))?;
    pricing::serve_pricing(&mut rpc, &mut Quoter, None).map_err(|e| format!("serve: {e}"))
}

fn request(symbol: &str, qty: u32) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let mut req = QuoteRequestMut::new(&mut bytes);
    req.set_symbol_str(symbol).expect("short symbol");
    req.set_qty(qty);
    bytes
}

fn call(path: &str) -> Result<(), String> {
    let options = Options { timeout: T, ..Options::default() };
    let mut rpc = Rpc::connect_with(path, options).map_err(|e| format!("connect: {e}"))?;
    let mut client = PricingClient::new(&mut rpc);
    for i in 0..200u32 {
        let symbol = format!("SYM{}", i % 100);
        let bytes = request(&symbol, i);
        let reply =
            client.quote(QuoteRequest::new(&bytes), T).map_err(|e| format!("quote {i}: {e}"))?;
        let want = (f64::from(i) * 1.5 + symbol.len() as f64, i + 1);
        if (reply.price(), reply.qty()) != want {
            return Err(format!("quote {i}: got {reply:?}, want {want:?}"));
        }
    }
    let mut ids = HashMap::new();
    for i in 0..32u32 {
        let bytes = request(&format!("P{i}"), 1000 + i);
        let id = client
            .quote_send(QuoteRequest::new(&bytes), T)
            .map_err(|e| format!("send {i}: {e}"))?;
        ids.insert(id, i);
    }
    for n in 0..32 {
        match client.next_reply(T).map_err(|e| format!("pipelined reply {n}: {e}"))? {
            PricingReply::Quote(id, reply) => {
                let i = ids
                    .remove(&id)
                    .ok_or(format!("reply with call id {id}: not one of ours or twice"))?;
                let want = (f64::from(1000 + i) * 1.5 + format!("P{i}").len() as f64, 1000 + i + 1);
                if (reply.price(), reply.qty()) != want {
                    return Err(format!("pipelined {i}: got {reply:?}, want {want:?}"));
                }
            }
            other => return Err(format!("pipelined reply {n}: {other:?}")),
        }
    }
    client.ping(T).map_err(|e| format!("ping: {e}"))?;
    match rpc.call(99, &[], 0, T) {
        Err(CallError::UnknownMethod { .. }) => Ok(()),
        other => Err(format!("method 99: {other:?} (want UnknownMethod)")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1..).unwrap_or_default() {
        [mode, path] if mode == "serve" => serve(path),
        [mode, path] if mode == "call" => call(path).map(|()| println!("ok")),
        _ => {
            eprintln!("usage: rpc-peer serve|call SOCKET");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}
