//! Conformance and compile-fail suites live in `tests/`.
