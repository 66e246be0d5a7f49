//! `decode_body::<OrderInfo>` on arbitrary bytes.
#![no_main]

#[path = "../decode.rs"]
mod decode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    decode::check::<roistat_types::OrderInfo>(data);
});
