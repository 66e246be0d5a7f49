//! The filter text parser: any text parses or fails with a `FilterParseError` whose offset
//! lies within the input; a filter that parses prints as text that parses again to the
//! same filter.
#![no_main]

use roistat_types::Filter;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.parse::<Filter>() {
        Ok(filter) => {
            let printed = filter.to_string();
            let again: Filter = printed
                .parse()
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
            assert_eq!(again.to_string(), printed, "{text:?}");
            let _ = serde_json::to_string(&filter);
        }
        Err(e) => assert!(e.offset() <= text.len(), "{e:?} for {} bytes", text.len()),
    }
});
