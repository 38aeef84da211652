//! Compile errors: plain messages collected across phases, mapped to spans by the macro.

use std::fmt;

/// One problem with the model, phrased for the person who wrote the `include_model!` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    /// An error with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// An error about operator `index` (`op` is its TFLite name).
    pub fn op(index: usize, op: &str, message: impl fmt::Display) -> Self {
        Self::new(format!("operator #{index} {op}: {message}"))
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Every problem found in a phase (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// The collected errors.
    pub fn iter(&self) -> impl Iterator<Item = &Error> {
        self.0.iter()
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Self(vec![e])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Collects errors across a phase instead of stopping at the first one.
#[derive(Default)]
pub struct Collector(Vec<Error>);

impl Collector {
    /// Records an error.
    pub fn push(&mut self, e: Error) {
        self.0.push(e);
    }

    /// Records the error of `r`, if any, and returns its value.
    pub fn take<T>(&mut self, r: Result<T, Error>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// The errors recorded so far.
    pub fn into_errors(self) -> Vec<Error> {
        self.0
    }

    /// `Ok(v)` when nothing was recorded.
    pub fn finish<T>(self, v: T) -> Result<T, Errors> {
        if self.0.is_empty() {
            Ok(v)
        } else {
            Err(Errors(self.0))
        }
    }
}
