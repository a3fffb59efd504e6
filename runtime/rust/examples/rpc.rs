#[allow(dead_code)]
#[path = "../../../tests/rpc/golden/rust/pricing.rs"]
// tachc gen --lang rust --out gen tests/rpc/pricing.tach
mod pricing;

use std::thread;
use std::time::Duration;

use pricing::{PricingClient, PricingServer, QuoteReplyMut, QuoteRequest, QuoteRequestMut};
use tachyon_ipc::rpc::{Call, Rpc};

struct Pricer;

impl PricingServer for Pricer {
    fn quote(
        &mut self,
        _call: &Call<'_>,
        req: QuoteRequest<'_>,
        mut reply: QuoteReplyMut<'_>,
    ) -> Result<(), u32> {
        if req.qty() == 0 {
            return Err(7); // the client gets CallError::App { code: 7, .. }
        }
        reply.set_price(f64::from(req.qty()) * 1.5);
        reply.set_qty(req.qty());
        Ok(())
    }

    fn ping(&mut self, _call: &Call<'_>) -> Result<(), u32> {
        Ok(())
    }
}

fn main() {
    let path = format!("@pricing-{}", std::process::id());
    let server_path = path.clone();
    let server = thread::spawn(move || {
        let mut rpc = Rpc::listen(&server_path, 1 << 16).unwrap();
        pricing::serve_pricing(&mut rpc, &mut Pricer, None).unwrap(); // returns when the client goes
    });
    let mut rpc = Rpc::connect(&path).unwrap();
    let mut client = PricingClient::new(&mut rpc);
    let mut bytes = [0u8; QuoteRequest::SIZE];
    let mut req = QuoteRequestMut::new(&mut bytes);
    req.set_symbol_str("BTCUSDT").unwrap();
    req.set_qty(10);
    let reply = client.quote(QuoteRequest::new(&bytes), Some(Duration::from_secs(1))).unwrap();
    println!("price {} for {}", reply.price(), reply.qty()); // read in place, until the next call
    drop(rpc);
    server.join().unwrap();
}
