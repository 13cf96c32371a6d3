//! The protocol decoder on arbitrary bytes: never panics; whatever decodes re-encodes to a message that
//! decodes to the same value; an error carries a code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trez_protocol as proto;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match proto::decode_client(text) {
        Ok(msg) => {
            let again = proto::decode_client(&proto::encode(&msg)).expect("re-encoded client message decodes");
            assert_eq!(again, msg);
        }
        Err(e) => {
            let _ = e.code();
        }
    }
    if let Ok(msg) = proto::decode_server(text) {
        let again = proto::decode_server(&proto::encode(&msg)).expect("re-encoded server message decodes");
        assert_eq!(again, msg);
    }
});
