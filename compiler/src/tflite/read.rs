//! Entry point: checks and verifies a file before handing out accessors, and resolves buffer
//! data that may live inline or after the flatbuffer.

use core::fmt;

use flatbuffers::{InvalidFlatbuffer, VerifierOptions};

use super::model::{Buffer, Model, Operator};

/// The schema version this reader understands (`Model::version`).
pub const SCHEMA_VERSION: u32 = 3;

/// The flatbuffer file identifier of TFLite models, at bytes 4..8.
pub const FILE_IDENTIFIER: [u8; 4] = *b"TFL3";

/// The flatbuffer accessors compute table positions as `i32` (`SOffsetT`), so only this prefix
/// of a file is handed to the verifier. The flatbuffer part of a model is below 2 GiB by
/// construction; larger files keep their extra data after it, reached through [`buffer_bytes`].
const MAX_FLATBUFFER_LEN: usize = i32::MAX as usize;

/// Verifier bounds. Nesting in the TFLite schema is at most 6 tables deep (model, subgraph,
/// tensor, sparsity, dimension, index vector); a model of a few hundred MB has well under a
/// million tables; the apparent size (bytes visited, with shared sub-objects counted each time
/// they are reached) of a model without sharing is about its file size. The bounds stop files
/// that share sub-objects to look exponentially large.
fn verifier_options() -> VerifierOptions {
    VerifierOptions {
        max_depth: 32,
        max_tables: 1 << 20,
        max_apparent_size: 1 << 30,
        ignore_missing_null_terminator: false,
    }
}

/// Why a file could not be read as a TFLite model.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// Shorter than a flatbuffer root offset plus file identifier (8 bytes).
    TooSmall {
        /// File length in bytes.
        len: usize,
    },
    /// Bytes 4..8 are not `TFL3`.
    WrongIdentifier {
        /// The four bytes found.
        found: [u8; 4],
    },
    /// The flatbuffer verifier rejected the file (out-of-bounds offset, bad UTF-8, ...).
    Verification(InvalidFlatbuffer),
    /// `Model::version` is not [`SCHEMA_VERSION`].
    UnsupportedSchemaVersion {
        /// The version in the file.
        version: u32,
    },
    /// Data stored outside the flatbuffer (the form used by models above 2 GB) does not fit in
    /// the file.
    ExternalDataOutOfBounds {
        /// Offset from the start of the file.
        offset: u64,
        /// Size in bytes.
        size: u64,
        /// File length in bytes.
        file_len: usize,
    },
    /// A buffer or operator has both inline data and an external location.
    AmbiguousData {
        /// Length of the inline data.
        inline_len: usize,
        /// External offset from the start of the file.
        offset: u64,
        /// External size.
        size: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooSmall { len } => {
                write!(f, "file is too small to be a TFLite model ({len} bytes)")
            }
            Self::WrongIdentifier { found } => write!(
                f,
                "file identifier is \"{}\", expected \"TFL3\" (not a TFLite flatbuffer)",
                found.escape_ascii()
            ),
            Self::Verification(error) => {
                write!(f, "flatbuffer verification failed: {}", one_line(error))
            }
            Self::UnsupportedSchemaVersion { version } => write!(
                f,
                "TFLite schema version {version} is not supported (expected {SCHEMA_VERSION})"
            ),
            Self::ExternalDataOutOfBounds {
                offset,
                size,
                file_len,
            } => write!(
                f,
                "external data at offset {offset} with size {size} does not fit in the \
                 {file_len}-byte file"
            ),
            Self::AmbiguousData {
                inline_len,
                offset,
                size,
            } => write!(
                f,
                "data is both inline ({inline_len} bytes) and external (offset {offset}, \
                 size {size})"
            ),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Verification(error) => Some(error),
            _ => None,
        }
    }
}

impl From<InvalidFlatbuffer> for ReadError {
    fn from(error: InvalidFlatbuffer) -> Self {
        Self::Verification(error)
    }
}

/// The verifier's multi-line message (error, then one line per enclosing field) on one line.
fn one_line(error: &InvalidFlatbuffer) -> String {
    let text = error.to_string();
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    let mut out = lines.next().unwrap_or("invalid flatbuffer").to_owned();
    for line in lines {
        out.push_str("; ");
        out.push_str(line);
    }
    out
}

/// Checks `buf` and returns its root table.
///
/// In order: the length, the `TFL3` identifier, the flatbuffer verifier (every offset, vector,
/// string, table and union member reachable through an accessor of this module, with bounds on
/// depth, table count and apparent size), then the schema version. After `Ok`, no accessor
/// panics or reads out of bounds, whatever the bytes were.
pub fn read_model(buf: &[u8]) -> Result<Model<'_>, ReadError> {
    // A root offset and the identifier come first; nothing shorter can be a model.
    let found = match buf.get(4..8) {
        Some(&[a, b, c, d]) => [a, b, c, d],
        _ => return Err(ReadError::TooSmall { len: buf.len() }),
    };
    if found != FILE_IDENTIFIER {
        return Err(ReadError::WrongIdentifier { found });
    }
    let flatbuffer = buf.get(..MAX_FLATBUFFER_LEN).unwrap_or(buf);
    let model = flatbuffers::root_with_opts::<Model>(&verifier_options(), flatbuffer)?;
    if model.version() != SCHEMA_VERSION {
        return Err(ReadError::UnsupportedSchemaVersion {
            version: model.version(),
        });
    }
    Ok(model)
}

/// The constant data of `buffer`, wherever it is stored.
///
/// Buffers hold their bytes inline in `data`, or (models above 2 GB) at `offset..offset + size`
/// from the start of `file`. The schema only treats `offset` as a location when it is above 1:
/// converters write `offset = 1, size = 1` as a placeholder for an empty buffer, and 0 means
/// unset. A buffer with neither form is empty. `file` must be the whole file `buffer` was read
/// from.
pub fn buffer_bytes<'a>(file: &'a [u8], buffer: &Buffer<'a>) -> Result<&'a [u8], ReadError> {
    let inline = buffer.data().map(|data| data.bytes());
    external_or_inline(file, inline, buffer.offset(), buffer.size())
}

/// The custom options of `op`, inline (`custom_options`) or stored after the flatbuffer
/// (`large_custom_options_offset/size`, same rules as [`buffer_bytes`]); empty when none.
pub fn custom_options_bytes<'a>(file: &'a [u8], op: &Operator<'a>) -> Result<&'a [u8], ReadError> {
    let inline = op.custom_options().map(|data| data.bytes());
    external_or_inline(
        file,
        inline,
        op.large_custom_options_offset(),
        op.large_custom_options_size(),
    )
}

fn external_or_inline<'a>(
    file: &'a [u8],
    inline: Option<&'a [u8]>,
    offset: u64,
    size: u64,
) -> Result<&'a [u8], ReadError> {
    let inline = inline.unwrap_or_default();
    if offset <= 1 {
        return Ok(inline);
    }
    if !inline.is_empty() {
        return Err(ReadError::AmbiguousData {
            inline_len: inline.len(),
            offset,
            size,
        });
    }
    let out_of_bounds = ReadError::ExternalDataOutOfBounds {
        offset,
        size,
        file_len: file.len(),
    };
    let start = usize::try_from(offset).map_err(|_| out_of_bounds.clone())?;
    let len = usize::try_from(size).map_err(|_| out_of_bounds.clone())?;
    let end = start
        .checked_add(len)
        .ok_or_else(|| out_of_bounds.clone())?;
    file.get(start..end).ok_or(out_of_bounds)
}
