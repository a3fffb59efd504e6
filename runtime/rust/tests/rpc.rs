//! Request/response (`tachyon_ipc::rpc`) and the stubs tachc generates for
//! service Pricing (tests/rpc/pricing.tach; the committed golden
//! tests/rpc/golden/rust/pricing.rs): typed calls with replies in place,
//! pipelined calls answered out of order (a slow call deferred to another
//! thread, answered after the fast ones behind it), deadlines, the server
//! killed with calls in flight, unknown methods, application errors, hostile
//! replies and calls on the wrong side.

#[allow(dead_code)]
#[path = "../../../tests/rpc/golden/rust/pricing.rs"]
mod pricing;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use pricing::{
    PricingClient, PricingReply, PricingServer, QuoteReply, QuoteReplyMut, QuoteRequest,
    QuoteRequestMut, QUOTE_REQUEST_SIZE,
};
use tachyon_ipc::rpc::{Call, CallError, Rpc, Status, MAX_INFLIGHT};
use tachyon_ipc::{Error, Options};

const T: Option<Duration> = Some(Duration::from_secs(10));

fn sock(tag: &str) -> String {
    format!("@tachyon-rust-rpc-{}-{tag}", std::process::id())
}

fn connect(path: &str) -> Rpc {
    Rpc::connect_with(
        path,
        Options { timeout: Some(Duration::from_secs(10)), ..Options::default() },
    )
    .expect("connect")
}

fn request(symbol: &str, qty: u32) -> [u8; QUOTE_REQUEST_SIZE] {
    let mut bytes = [0u8; QUOTE_REQUEST_SIZE];
    let mut req = QuoteRequestMut::new(&mut bytes);
    req.set_symbol_str(symbol).unwrap();
    req.set_qty(qty);
    bytes
}

/// price = qty * 1.5; qty 0 fails with code 7; Ping answers empty.
struct Quoter;

impl PricingServer for Quoter {
    fn quote(
        &mut self,
        _call: &Call<'_>,
        request: QuoteRequest<'_>,
        mut reply: QuoteReplyMut<'_>,
    ) -> Result<(), u32> {
        if request.qty() == 0 {
            return Err(7);
        }
        reply.set_price(f64::from(request.qty()) * 1.5);
        reply.set_qty(request.qty());
        Ok(())
    }

    fn ping(&mut self, _call: &Call<'_>) -> Result<(), u32> {
        Ok(())
    }
}

fn serve_in_thread<S: PricingServer + Send + 'static>(
    path: &str,
    mut server: S,
) -> thread::JoinHandle<()> {
    let path = path.to_owned();
    thread::spawn(move || {
        let mut rpc = Rpc::listen(&path, 1 << 16).expect("listen");
        pricing::serve_pricing(&mut rpc, &mut server, T).expect("serve until the client goes");
    })
}

#[test]
fn typed_calls_read_the_reply_in_place() {
    let path = sock("typed");
    let server = serve_in_thread(&path, Quoter);
    let mut rpc = connect(&path);
    let mut client = PricingClient::new(&mut rpc);
    for q in 1..50u32 {
        let bytes = request("BTCUSDT", q);
        let reply = client.quote(QuoteRequest::new(&bytes), T).unwrap();
        assert_eq!((reply.price(), reply.qty()), (f64::from(q) * 1.5, q));
    }
    let zero = request("X", 0);
    match client.quote(QuoteRequest::new(&zero), T) {
        Err(CallError::App { call_id, code: 7 }) => assert_ne!(call_id, 0),
        other => panic!("qty 0: {other:?}"),
    }
    client.ping(T).unwrap();
    match rpc.call(99, &[], 0, T) {
        Err(CallError::UnknownMethod { call_id }) => assert_ne!(call_id, 0),
        other => panic!("method 99: {other:?}"),
    }
    match rpc.call(pricing::PRICING_QUOTE, b"short", 16, T) {
        Err(CallError::BadRequest { .. }) => {}
        other => panic!("a short request: {other:?}"),
    }
    drop(rpc);
    server.join().unwrap();
}

#[test]
fn pipelined_replies_out_of_order_a_slow_call_holds_up_only_itself() {
    struct SlowFirst {
        fast: mpsc::Sender<()>,
        fast_rx: Option<mpsc::Receiver<()>>,
        workers: Vec<thread::JoinHandle<()>>,
    }
    impl PricingServer for SlowFirst {
        fn quote(
            &mut self,
            call: &Call<'_>,
            request: QuoteRequest<'_>,
            mut reply: QuoteReplyMut<'_>,
        ) -> Result<(), u32> {
            let qty = request.qty();
            if qty == 1000 {
                let responder = call.defer();
                let fast = self.fast_rx.take().expect("one slow call");
                self.workers.push(thread::spawn(move || {
                    for _ in 0..9 {
                        fast.recv_timeout(Duration::from_secs(10))
                            .expect("the fast calls behind it");
                    }
                    let mut out = [0u8; 16];
                    QuoteReplyMut::new(&mut out).set_qty(qty);
                    responder.reply(&out).unwrap();
                }));
                return Ok(());
            }
            reply.set_qty(qty);
            self.fast.send(()).unwrap();
            Ok(())
        }
        fn ping(&mut self, _call: &Call<'_>) -> Result<(), u32> {
            self.fast.send(()).unwrap();
            Ok(())
        }
    }
    let path = sock("slow");
    let (tx, rx) = mpsc::channel();
    let server_path = path.clone();
    let server = thread::spawn(move || {
        let mut rpc = Rpc::listen(&server_path, 1 << 16).unwrap();
        let mut s = SlowFirst { fast: tx, fast_rx: Some(rx), workers: Vec::new() };
        pricing::serve_pricing(&mut rpc, &mut s, T).unwrap();
        for w in s.workers {
            w.join().unwrap();
        }
    });
    let mut rpc = connect(&path);
    let mut client = PricingClient::new(&mut rpc);
    let slow = client.quote_send(QuoteRequest::new(&request("SLOW", 1000)), T).unwrap();
    let fast: Vec<u64> = (0..8)
        .map(|i| client.quote_send(QuoteRequest::new(&request("FAST", 500 + i)), T).unwrap())
        .collect();
    let ping = client.ping_send(T).unwrap();
    let mut order = Vec::new();
    for _ in 0..10 {
        match client.next_reply(T).unwrap() {
            PricingReply::Quote(id, reply) => {
                let want = if id == slow {
                    1000
                } else {
                    500 + fast.iter().position(|&f| f == id).unwrap() as u32
                };
                assert_eq!(reply.qty(), want);
                order.push(id);
            }
            PricingReply::Ping(id) => {
                assert_eq!(id, ping);
                order.push(id);
            }
        }
    }
    assert_eq!(*order.last().unwrap(), slow, "the slow call is answered last");
    let mut all = fast.clone();
    all.extend([slow, ping]);
    all.sort_unstable();
    order.sort_unstable();
    assert_eq!(order, all);
    assert_eq!(rpc.pending(), 0);
    drop(rpc);
    server.join().unwrap();
}

#[test]
fn deadline_expiry_and_the_late_reply_dropped() {
    let path = sock("late");
    let server_path = path.clone();
    let (late_tx, late_rx) = mpsc::channel();
    let server = thread::spawn(move || {
        let mut rpc = Rpc::listen(&server_path, 1 << 16).unwrap();
        let poster = rpc.poster();
        loop {
            let mut req = match rpc.next_request(T) {
                Ok(req) => req,
                Err(Error::PeerGone) => return,
                Err(e) => panic!("{e}"),
            };
            let qty = QuoteRequest::from_bytes(req.data()).unwrap().qty();
            if qty == 1 {
                let token = req.defer().unwrap();
                late_tx.send((poster.clone(), token)).unwrap();
                continue;
            }
            let (_, out) = req.parts(16, T).unwrap();
            QuoteReplyMut::from_bytes(out).unwrap().set_qty(qty);
            req.commit(Status::Ok).unwrap();
        }
    });
    let mut rpc = connect(&path);
    let mut client = PricingClient::new(&mut rpc);
    let err = client
        .quote(QuoteRequest::new(&request("A", 1)), Some(Duration::from_millis(200)))
        .unwrap_err();
    assert_eq!(err.transport(), Some(&Error::Timeout));
    assert_ne!(err.call_id(), 0);
    let (poster, token) = late_rx.recv().unwrap();
    poster.post(token, Status::Ok, &[0u8; 16]).unwrap(); // late: dropped, never taken for the next call's
    assert_eq!(client.quote(QuoteRequest::new(&request("B", 2)), T).unwrap().qty(), 2);
    let id = client
        .quote_send(QuoteRequest::new(&request("C", 1)), Some(Duration::from_millis(200)))
        .unwrap();
    let err = client.next_reply(T).unwrap_err();
    assert_eq!((err.call_id(), err.transport()), (id, Some(&Error::Timeout)));
    drop(rpc);
    server.join().unwrap();
}

/// The child process of `server_killed_with_calls_in_flight`: a server that
/// defers every call and never answers (runs only when the env var is set).
#[test]
fn silent_server_child() {
    let Ok(path) = std::env::var("TACHYON_RPC_SILENT_SERVER") else { return };
    let mut rpc = Rpc::listen(&path, 1 << 16).unwrap();
    println!("serving");
    loop {
        match rpc.next_request(None) {
            Ok(req) => {
                req.defer().unwrap();
            }
            Err(_) => return,
        }
    }
}

#[test]
fn server_killed_with_calls_in_flight_fails_every_call_at_once() {
    let path = sock("kill");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "silent_server_child", "--nocapture", "--test-threads=1"])
        .env("TACHYON_RPC_SILENT_SERVER", &path)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut rpc = connect(&path);
    let mut client = PricingClient::new(&mut rpc);
    for i in 0..5 {
        client.quote_send(QuoteRequest::new(&request("K", i)), None).unwrap();
    }
    assert_eq!(rpc.pending(), 5);
    thread::sleep(Duration::from_millis(50));
    child.kill().unwrap();
    child.wait().unwrap();
    // PeerGone, not the 30 s deadline
    let err = rpc.next_reply(Some(Duration::from_secs(30))).unwrap_err();
    assert_eq!(err.transport(), Some(&Error::PeerGone));
    assert_eq!(rpc.pending(), 0);
    let err = rpc.call(pricing::PRICING_QUOTE, &request("K", 9), 16, None).unwrap_err();
    assert_eq!(err.transport(), Some(&Error::PeerGone));
}

#[test]
fn hostile_replies_are_errors_never_crashes() {
    let path = sock("hostile");
    let server_path = path.clone();
    let server = thread::spawn(move || {
        let mut rpc = Rpc::listen(&server_path, 1 << 16).unwrap();
        let poster = rpc.poster();
        loop {
            let req = match rpc.next_request(T) {
                Ok(req) => req,
                Err(Error::PeerGone) => return,
                Err(e) => panic!("{e}"),
            };
            let qty = QuoteRequest::from_bytes(req.data()).unwrap().qty();
            let mut token = req.defer().unwrap();
            let mut body = [0u8; 16];
            QuoteReplyMut::new(&mut body).set_qty(qty);
            match qty {
                1 => {
                    token.call_id += 1000 * MAX_INFLIGHT as u64; // an id never issued
                    poster.post(token, Status::Ok, &body).unwrap();
                }
                2 => poster.post(token, Status::Ok, &[0u8; 4096]).unwrap(), // larger than allowed
                3 => poster.post(token, Status::Ok, &[0u8; 8]).unwrap(), // shorter than QuoteReply
                _ => poster.post(token, Status::Ok, &body).unwrap(),
            }
        }
    });
    let mut rpc = connect(&path);
    let mut client = PricingClient::new(&mut rpc);
    let q = |n| request("H", n);
    assert_eq!(
        client.quote(QuoteRequest::new(&q(1)), T).unwrap_err().transport(),
        Some(&Error::Corrupt)
    );
    assert_eq!(client.quote(QuoteRequest::new(&q(4)), T).unwrap().qty(), 4);
    assert!(matches!(
        client.quote(QuoteRequest::new(&q(2)), T).unwrap_err().transport(),
        Some(Error::TooLarge { .. })
    ));
    assert_eq!(
        client.quote(QuoteRequest::new(&q(3)), T).unwrap_err().transport(),
        Some(&Error::Corrupt)
    );
    assert_eq!(client.quote(QuoteRequest::new(&q(5)), T).unwrap().qty(), 5);
    drop(rpc);
    server.join().unwrap();
}

#[test]
fn calls_on_the_wrong_side_are_state_errors() {
    let path = sock("sides");
    let server = serve_in_thread(&path, Quoter);
    let mut rpc = connect(&path);
    assert_eq!(rpc.next_request(Some(Duration::from_millis(10))).unwrap_err(), Error::State);
    assert_eq!(rpc.next_reply(T).unwrap_err().transport(), Some(&Error::State)); // nothing in flight
    let token = tachyon_ipc::rpc::Token { call_id: 1, method_id: 10 };
    assert_eq!(rpc.poster().post(token, Status::Ok, &[]).unwrap_err(), Error::State);
    let _: QuoteReply<'_> =
        PricingClient::new(&mut rpc).quote(QuoteRequest::new(&request("S", 1)), T).unwrap();
    drop(rpc);
    server.join().unwrap();
}
