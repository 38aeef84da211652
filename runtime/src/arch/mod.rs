//! Target-specific inner loops, one whole module per target family, chosen by `cfg`, with the
//! portable module as the fallback. Both implement exactly the same functions with the same
//! results (same operations in the same order), so every kernel built on them is bit-identical
//! on every target. This is the only module of the crate allowed to use `unsafe` (inline asm).

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod arm_vfp;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub use arm_vfp::*;

#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
mod portable;
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
pub use portable::*;
