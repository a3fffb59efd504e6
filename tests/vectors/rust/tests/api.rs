//! Behaviour of the generated Rust API beyond field values: size checks, decoding by
//! type id, unknown enum values, flag operations, text limits and index checks.

use tachyon_vectors::generated::{common, everything, frames, market};

#[test]
fn short_slice_is_a_size_error() {
    let bytes = [0u8; market::MARKET_TICK_SIZE - 1];
    let err = market::MarketTick::from_bytes(&bytes).unwrap_err();
    assert_eq!(err.expected, 32);
    assert_eq!(err.actual, 31);
    assert_eq!(err.to_string(), "MarketTick needs 32 bytes, got 31");
    let mut buf = vec![0u8; 5];
    assert!(market::MarketTickMut::from_bytes(&mut buf).is_err());
    assert!(market::MarketTick::from_bytes(&[]).is_err());
}

#[test]
fn longer_slice_views_its_prefix() {
    let mut buf = vec![0u8; 40];
    buf[32..].fill(0xee);
    let mut tick = market::MarketTickMut::from_bytes(&mut buf).unwrap();
    tick.set_quantity(9);
    assert_eq!(tick.as_view().quantity(), 9);
    assert_eq!(&buf[32..], &[0xee; 8]);
}

#[test]
fn decode_by_type_id() {
    let mut buf = [0u8; market::MARKET_TICK_SIZE];
    let mut tick = market::MarketTickMut::new(&mut buf);
    tick.set_symbol_str("ETHUSDT").unwrap();
    tick.set_price(3000.25);
    match market::Message::decode(market::MSG_ASK, &buf).unwrap() {
        market::Message::Ask(t) => {
            assert_eq!(t.symbol_str(), Ok("ETHUSDT"));
            assert_eq!(t.price(), 3000.25);
        }
        other => panic!("decoded {other:?}"),
    }
    assert_eq!(
        market::Message::decode(market::MSG_END, &[]).unwrap(),
        market::Message::End
    );
    assert_eq!(
        market::Message::decode(9, &buf).unwrap_err(),
        market::DecodeError::UnknownTypeId(9)
    );
    assert!(matches!(
        market::Message::decode(market::MSG_BID, &buf[..8]),
        Err(market::DecodeError::Size(_))
    ));
    assert_eq!(market::payload_size(market::MSG_BID), Some(32));
    assert_eq!(market::payload_size(market::MSG_END), Some(0));
    assert_eq!(market::payload_size(77), None);
    assert_eq!(market::message_name(market::MSG_ASK), Some("Ask"));
    let msg = market::Message::decode(market::MSG_BID, &buf).unwrap();
    assert_eq!(msg.type_id(), market::MSG_BID);
}

#[test]
fn decode_imported_payload() {
    let buf = [0u8; common::VEC3_SIZE];
    let msg = everything::Message::decode(everything::MSG_POSITION, &buf).unwrap();
    assert!(matches!(msg, everything::Message::Position(_)));
}

#[test]
fn unknown_enum_value_is_an_error() {
    assert_eq!(everything::Color::try_from(2), Ok(everything::Color::Green));
    let err = everything::Color::try_from(3).unwrap_err();
    assert_eq!((err.enum_name, err.value), ("Color", 3));
    assert_eq!(
        everything::Level::try_from(-32768),
        Ok(everything::Level::Low)
    );
    let mut buf = [0u8; everything::ENVELOPE_SIZE];
    let mut env = everything::EnvelopeMut::new(&mut buf);
    env.set_color_raw(7);
    assert!(env.as_view().color().is_err());
    env.set_color(everything::Color::Blue);
    assert_eq!(env.as_view().color(), Ok(everything::Color::Blue));
    assert_eq!(env.as_view().color_raw(), 255);
}

#[test]
fn flags_combine() {
    use everything::Perm;
    let rw = Perm::READ | Perm::WRITE;
    assert!(rw.contains(Perm::READ) && !rw.contains(Perm::EXEC));
    assert_eq!((rw & Perm::WRITE).bits(), 2);
    assert_eq!(Perm::all().bits(), 0x8000_0007);
    assert_eq!(
        format!("{:?}", Perm::from_bits_retain(0x11)),
        "Perm(READ | 0x10)"
    );
    let mut f = frames::FrameFlags::empty();
    assert!(f.is_empty());
    f.insert(frames::FrameFlags::from_bits_retain(1));
    assert_eq!(f.bits(), 1);
}

#[test]
fn text_too_long_writes_nothing() {
    let mut buf = [0u8; market::MARKET_TICK_SIZE];
    let mut tick = market::MarketTickMut::new(&mut buf);
    tick.set_symbol_str("ABC").unwrap();
    let err = tick.set_symbol_str("TOOLONGSYM").unwrap_err();
    assert_eq!((err.capacity, err.len), (8, 10));
    assert_eq!(tick.as_view().symbol_str(), Ok("ABC"));
    tick.set_symbol_str("EXACTLY8").unwrap();
    assert_eq!(tick.as_view().symbol(), b"EXACTLY8");
}

#[test]
#[should_panic(expected = "samples index out of range")]
fn array_index_is_checked() {
    let buf = [0u8; frames::FRAME_SIZE];
    let frame = frames::Frame::new(&buf);
    let _ = frame.samples(256);
}

#[test]
fn arrays_copy_in_and_out() {
    let mut buf = [0u8; frames::FRAME_SIZE];
    let mut frame = frames::FrameMut::new(&mut buf);
    let values: [f32; 256] = core::array::from_fn(|i| i as f32 * 0.5);
    frame.set_samples_array(&values);
    assert_eq!(frame.as_view().samples_array(), values);
    assert_eq!(frame.as_view().samples_iter().nth(3), Some(1.5));
    assert_eq!(&buf[4..8], &0.5f32.to_le_bytes());
}

#[test]
fn constants() {
    assert_eq!(market::MarketTick::SIZE, 32);
    assert_ne!(market::SCHEMA_FINGERPRINT, 0);
    assert_eq!(everything::MAGIC, 0xFEED_FACE_CAFE_BEEF);
    assert_eq!(everything::GREETING, "hello, \"tach\"");
    assert_eq!(everything::RESERVED_TYPE_IDS, [(6, 6), (10, 19)]);
}

#[test]
fn byte_arrays_are_borrowed_in_place() {
    let mut buf = vec![0u8; frames::VIDEO_FRAME_SIZE];
    let mut video = frames::VideoFrameMut::from_bytes(&mut buf).unwrap();
    video.pixels_bytes_mut().fill(7);
    video.set_pixels(1, 9);
    let view = video.as_view();
    assert_eq!(view.pixels_bytes()[..3], [7, 9, 7]);
    assert_eq!(view.pixels(4095), 7);
    assert_eq!(buf[frames::MEDIA_HEADER_SIZE + 1], 9);
    assert_eq!(buf[frames::MEDIA_HEADER_SIZE - 1], 0);
}
