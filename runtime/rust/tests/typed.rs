//! Generated views (generated/rust/market.rs) over guards' bytes: decode by
//! type id on receive, write in place inside a TxGuard.

mod common;

use std::thread;

use common::market::{self, MarketTick, MarketTickMut, Message};
use common::{check_tick, fill_tick, pair_with};
use tachyon_ipc::Options;

#[test]
fn market_ticks_written_in_place_and_decoded_by_type_id() {
    let schema = Options { fingerprint: market::SCHEMA_FINGERPRINT, ..Options::default() };
    let (rx, tx) = pair_with("typed", 1 << 12, schema, schema);
    const N: u64 = 1000;
    let producer = thread::spawn(move || {
        for i in 0..N {
            let mut slot = tx.acquire_tx(MarketTick::SIZE).unwrap();
            let mut tick = MarketTickMut::from_bytes(&mut slot).unwrap();
            let type_id = fill_tick(&mut tick, i);
            slot.commit(MarketTick::SIZE, type_id).unwrap();
        }
        tx.send(&[], market::MSG_END).unwrap();
    });
    let (mut bids, mut asks, mut i) = (0, 0, 0u64);
    loop {
        let msg = rx.acquire_rx(1000).unwrap();
        match Message::decode(msg.type_id, msg.data()).unwrap() {
            Message::Bid(tick) => {
                check_tick(tick, i);
                bids += 1;
            }
            Message::Ask(tick) => {
                check_tick(tick, i);
                asks += 1;
            }
            Message::End => break,
        }
        assert_eq!(msg.type_id, common::tick_type(i));
        msg.commit().unwrap();
        i += 1;
    }
    producer.join().unwrap();
    assert_eq!((bids, asks), (N / 2, N / 2));
}

#[test]
fn array_views_fit_the_generated_constructors() {
    let (rx, tx) = common::pair("arrays", 1 << 12);
    let mut slot = tx.acquire_tx(64).unwrap();
    let bytes = slot.array_mut::<{ market::MARKET_TICK_SIZE }>().unwrap();
    let type_id = fill_tick(&mut MarketTickMut::new(bytes), 7);
    slot.commit(MarketTick::SIZE, type_id).unwrap();
    tx.flush().unwrap();
    let msg = rx.acquire_rx(100).unwrap();
    check_tick(MarketTick::new(msg.array().unwrap()), 7);
    assert!(msg.array::<33>().is_none(), "a short payload has no 33-byte view");
}

#[test]
fn short_payload_is_an_error_not_a_read_past_the_end() {
    let (rx, tx) = common::pair("short", 1 << 12);
    tx.send(&[1, 2, 3], market::MSG_BID).unwrap();
    tx.send(&[0; 32], 99).unwrap();
    let msg = rx.acquire_rx(100).unwrap();
    assert!(Message::decode(msg.type_id, msg.data()).is_err());
    msg.commit().unwrap();
    let msg = rx.acquire_rx(100).unwrap();
    assert!(matches!(
        Message::decode(msg.type_id, msg.data()),
        Err(market::DecodeError::UnknownTypeId(99))
    ));
}
