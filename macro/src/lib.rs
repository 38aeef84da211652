//! include_model!
