//! Cross-crate integration tests live in tests/.
//!
//! This library only hosts the published crates' README examples as doctests (so the
//! crates.io pages never show code that does not compile or run); this crate
//! dev-depends on every crate they use.

/// The README of each published crate, its Rust code blocks run as doctests.
#[cfg(doctest)]
mod readmes {
    #[doc = include_str!("../../crates/roistat-types/README.md")]
    struct RoistatTypes;
    #[doc = include_str!("../../crates/roistat-core/README.md")]
    struct RoistatCore;
    #[doc = include_str!("../../crates/roistat-blocking/README.md")]
    struct RoistatBlocking;
    #[doc = include_str!("../../crates/roistat-async/README.md")]
    struct RoistatAsync;
    #[doc = include_str!("../../crates/roistat-mock/README.md")]
    struct RoistatMock;
    #[doc = include_str!("../../crates/roistat-cli/README.md")]
    struct RoistatCli;
    #[doc = include_str!("../../crates/roistat-sync/README.md")]
    struct RoistatSync;
}
