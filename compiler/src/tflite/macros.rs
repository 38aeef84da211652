//! The three declarative macros that describe the schema: `schema_enum!` for enums and union
//! tags, `schema_table!` for tables, `union_getters!` for the typed views of a union field.
//!
//! The macros keep the safety argument in one place: a table's `Verifiable` impl and its
//! accessors are expanded from the same field list, so every accessor reads only a slot that
//! `run_verifier` checked with the same type.

use flatbuffers::{InvalidFlatbuffer, VOffsetT, Verifiable, Verifier};

/// Byte offset, inside a vtable, of the slot for the field with schema id `id`.
///
/// The vtable starts with two `u16`s (vtable size, table size), then one `u16` per field in
/// declaration order, deprecated fields and the hidden `_type` field of unions included.
pub(super) const fn slot(id: VOffsetT) -> VOffsetT {
    4 + 2 * id
}

/// A table whose fields this reader does not know (a union member added after this reader was
/// written). Verifying it checks its vtable, so nothing else needs to be known to skip it.
pub(super) struct OpaqueTable;

impl Verifiable for OpaqueTable {
    fn run_verifier(v: &mut Verifier<'_, '_>, pos: usize) -> Result<(), InvalidFlatbuffer> {
        v.visit_table(pos)?.finish();
        Ok(())
    }
}

/// An enum of the schema as a transparent newtype, so unknown values survive reading.
///
/// `schema_enum! { /// doc
///     Name: repr { VARIANT = value, ... } }`
macro_rules! schema_enum {
    (
        $(#[$meta:meta])*
        $name:ident : $repr:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(transparent)]
        pub struct $name(pub $repr);

        #[allow(non_upper_case_globals)]
        impl $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("`", stringify!($variant), "` = ", stringify!($value), ".")]
                pub const $variant: Self = Self($value);
            )*

            /// Every value the schema names, in declaration order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),*];

            /// The schema's name for this value, or `None` for a value the schema does not name.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some(stringify!($variant)),)*
                    _ => None,
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }

        impl<'a> flatbuffers::Follow<'a> for $name {
            type Inner = Self;

            #[inline]
            unsafe fn follow(buf: &'a [u8], loc: usize) -> Self {
                // SAFETY: the caller upholds `Follow`'s contract for the representation type.
                Self(unsafe { <$repr as flatbuffers::Follow<'a>>::follow(buf, loc) })
            }
        }

        impl flatbuffers::Verifiable for $name {
            #[inline]
            fn run_verifier(
                v: &mut flatbuffers::Verifier<'_, '_>,
                pos: usize,
            ) -> Result<(), flatbuffers::InvalidFlatbuffer> {
                <$repr as flatbuffers::Verifiable>::run_verifier(v, pos)
            }
        }

        // `repr(transparent)` keeps size and alignment those of the representation type, which
        // is what the vector verifier and `Vector::get` assume.
        impl flatbuffers::SimpleToVerifyInSlice for $name {}
    };
}

/// The tag type of a union plus an enum of typed views of its members.
///
/// `schema_union! { /// doc
///     Tag / Value { 1 Member => Table, ... } }`
/// Every TFLite union names its members after their tables, so `Member` and `Table` are the
/// same identifier; both are spelled out to keep the macro plain.
macro_rules! schema_union {
    (
        $(#[$meta:meta])*
        $name:ident / $value_enum:ident {
            $( $tag:literal $variant:ident => $table:ident ),* $(,)?
        }
    ) => {
        schema_enum! {
            $(#[$meta])*
            $name: u8 {
                /// No value.
                NONE = 0,
                $( $variant = $tag, )*
            }
        }

        #[doc = concat!("A typed view of a `", stringify!($name), "` union value.")]
        #[derive(Clone, Copy, Debug)]
        pub enum $value_enum<'a> {
            $(
                #[doc = concat!("A `", stringify!($table), "` table.")]
                $variant($table<'a>),
            )*
            /// A member this reader does not know (newer schema); only its tag is available.
            Unknown($name),
        }

        impl $name {
            /// Verifies the union value at `pos` as the member this tag names. Members
            /// unknown to this reader are verified as bare tables.
            pub(in crate::tflite) fn verify_value(
                self,
                v: &mut flatbuffers::Verifier<'_, '_>,
                pos: usize,
            ) -> Result<(), flatbuffers::InvalidFlatbuffer> {
                match self {
                    Self::NONE => Ok(()),
                    $(
                        Self::$variant => v.verify_union_variant::<
                            flatbuffers::ForwardsUOffset<$table<'_>>,
                        >(stringify!($variant), pos),
                    )*
                    _ => v.verify_union_variant::<
                        flatbuffers::ForwardsUOffset<$crate::tflite::macros::OpaqueTable>,
                    >(stringify!($name), pos),
                }
            }

            /// Wraps `table` in the view this tag names.
            ///
            /// # Safety
            ///
            /// `table` must have passed `verify_value` with this tag.
            pub(in crate::tflite) unsafe fn view(
                self,
                table: flatbuffers::Table<'_>,
            ) -> $value_enum<'_> {
                match self {
                    $( Self::$variant => $value_enum::$variant($table { _tab: table }), )*
                    _ => $value_enum::Unknown(self),
                }
            }
        }
    };
}

/// A table of the schema: the struct, `Follow`, `Verifiable`, one accessor per field and a
/// `Debug` impl that walks every accessor.
///
/// Each field is `name @ id: kind<Type> = default`, with `id` the schema field id (declaration
/// order, deprecated fields and union `_type` fields counted). Kinds:
/// * `scalar<T> = default`: numbers, bools and enums; absent fields read as `default`.
/// * `string`, `vector<T>` (of scalars), `table<T>`, `tables<T>` (vector of tables): `Option`.
/// * `union<Tag>`: the value half of a union, whose `_type` half must be declared as
///   `scalar<Tag>` with id one lower; its accessors come from `union_getters!`.
macro_rules! schema_table {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident @ $id:literal : $kind:ident $(<$ty:ident>)? $(= $default:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            pub(in crate::tflite) _tab: flatbuffers::Table<'a>,
        }

        impl<'a> flatbuffers::Follow<'a> for $name<'a> {
            type Inner = $name<'a>;

            #[inline]
            unsafe fn follow(buf: &'a [u8], loc: usize) -> Self::Inner {
                // SAFETY: the caller guarantees a verified table of this type at `loc`.
                Self { _tab: unsafe { flatbuffers::Table::new(buf, loc) } }
            }
        }

        impl flatbuffers::Verifiable for $name<'_> {
            fn run_verifier(
                v: &mut flatbuffers::Verifier<'_, '_>,
                pos: usize,
            ) -> Result<(), flatbuffers::InvalidFlatbuffer> {
                let table = v.visit_table(pos)?;
                $( let table = schema_table!(@verify table, $field, $id, $kind $(<$ty>)?)?; )*
                table.finish();
                Ok(())
            }
        }

        impl<'a> $name<'a> {
            $(
                schema_table!(
                    @get [$(#[$fmeta])*] $field, $id, $kind $(<$ty>)? $(= $default)?
                );
            )*
        }

        impl core::fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name))
                    $( .field(stringify!($field), &self.$field()) )*
                    .finish()
            }
        }
    };

    // ---- verification, one arm per kind ----
    (@verify $t:ident, $field:ident, $id:literal, scalar<$ty:ident>) => {
        $t.visit_field::<$ty>(stringify!($field), $crate::tflite::macros::slot($id), false)
    };
    (@verify $t:ident, $field:ident, $id:literal, string) => {
        $t.visit_field::<flatbuffers::ForwardsUOffset<&str>>(
            stringify!($field),
            $crate::tflite::macros::slot($id),
            false,
        )
    };
    (@verify $t:ident, $field:ident, $id:literal, vector<$ty:ident>) => {
        $t.visit_field::<flatbuffers::ForwardsUOffset<flatbuffers::Vector<'_, $ty>>>(
            stringify!($field),
            $crate::tflite::macros::slot($id),
            false,
        )
    };
    (@verify $t:ident, $field:ident, $id:literal, table<$ty:ident>) => {
        $t.visit_field::<flatbuffers::ForwardsUOffset<$ty<'_>>>(
            stringify!($field),
            $crate::tflite::macros::slot($id),
            false,
        )
    };
    (@verify $t:ident, $field:ident, $id:literal, tables<$ty:ident>) => {
        $t.visit_field::<
            flatbuffers::ForwardsUOffset<
                flatbuffers::Vector<'_, flatbuffers::ForwardsUOffset<$ty<'_>>>,
            >,
        >(stringify!($field), $crate::tflite::macros::slot($id), false)
    };
    (@verify $t:ident, $field:ident, $id:literal, union<$ty:ident>) => {
        $t.visit_union::<$ty, _>(
            concat!(stringify!($field), "_type"),
            $crate::tflite::macros::slot($id - 1),
            stringify!($field),
            $crate::tflite::macros::slot($id),
            false,
            |tag, v, pos| tag.verify_value(v, pos),
        )
    };

    // ---- accessors, one arm per kind ----
    (@get [$($doc:tt)*] $field:ident, $id:literal, scalar<$ty:ident> = $default:expr) => {
        $($doc)*
        #[doc = concat!(
            "\n\nSchema field `", stringify!($field), "` (id ", stringify!($id),
            "); reads as `", stringify!($default), "` when absent."
        )]
        #[inline]
        pub fn $field(&self) -> $ty {
            // SAFETY: `run_verifier` checked this slot as a `$ty`.
            unsafe { self._tab.get::<$ty>($crate::tflite::macros::slot($id), Some($default)) }
                .unwrap_or($default)
        }
    };
    (@get [$($doc:tt)*] $field:ident, $id:literal, string) => {
        $($doc)*
        #[doc = concat!("\n\nSchema field `", stringify!($field), "` (id ", stringify!($id), ").")]
        #[inline]
        pub fn $field(&self) -> Option<&'a str> {
            // SAFETY: `run_verifier` checked this slot as a string.
            unsafe {
                self._tab.get::<flatbuffers::ForwardsUOffset<&'a str>>(
                    $crate::tflite::macros::slot($id),
                    None,
                )
            }
        }
    };
    (@get [$($doc:tt)*] $field:ident, $id:literal, vector<$ty:ident>) => {
        $($doc)*
        #[doc = concat!("\n\nSchema field `", stringify!($field), "` (id ", stringify!($id), ").")]
        #[inline]
        pub fn $field(&self) -> Option<flatbuffers::Vector<'a, $ty>> {
            // SAFETY: `run_verifier` checked this slot as a vector of `$ty`.
            unsafe {
                self._tab.get::<flatbuffers::ForwardsUOffset<flatbuffers::Vector<'a, $ty>>>(
                    $crate::tflite::macros::slot($id),
                    None,
                )
            }
        }
    };
    (@get [$($doc:tt)*] $field:ident, $id:literal, table<$ty:ident>) => {
        $($doc)*
        #[doc = concat!("\n\nSchema field `", stringify!($field), "` (id ", stringify!($id), ").")]
        #[inline]
        pub fn $field(&self) -> Option<$ty<'a>> {
            // SAFETY: `run_verifier` checked this slot as a `$ty` table.
            unsafe {
                self._tab.get::<flatbuffers::ForwardsUOffset<$ty<'a>>>(
                    $crate::tflite::macros::slot($id),
                    None,
                )
            }
        }
    };
    (@get [$($doc:tt)*] $field:ident, $id:literal, tables<$ty:ident>) => {
        $($doc)*
        #[doc = concat!("\n\nSchema field `", stringify!($field), "` (id ", stringify!($id), ").")]
        #[inline]
        pub fn $field(
            &self,
        ) -> Option<flatbuffers::Vector<'a, flatbuffers::ForwardsUOffset<$ty<'a>>>> {
            // SAFETY: `run_verifier` checked this slot as a vector of `$ty` tables.
            unsafe {
                self._tab.get::<flatbuffers::ForwardsUOffset<
                    flatbuffers::Vector<'a, flatbuffers::ForwardsUOffset<$ty<'a>>>,
                >>($crate::tflite::macros::slot($id), None)
            }
        }
    };
    (@get [$($doc:tt)*] $field:ident, $id:literal, union<$ty:ident>) => {};
}

/// Accessors for the value half of a union field: `field()` returns the typed view enum and
/// one `field_as_member()` per member returns that member's table when the tag matches.
///
/// `union_getters! { Holder.field @ id: Tag / Value { getter: Table, ... } }`
macro_rules! union_getters {
    (
        $holder:ident . $field:ident @ $id:literal : $union:ident / $value_enum:ident {
            $( $getter:ident : $table:ident ),* $(,)?
        }
    ) => {
        impl<'a> $holder<'a> {
            #[doc = concat!(
                "The `", stringify!($field), "` union value (schema id ", stringify!($id),
                "), or `None` when absent or tagged `NONE`."
            )]
            pub fn $field(&self) -> Option<$value_enum<'a>> {
                // SAFETY: `run_verifier` checked the `_type` slot as a `$union`.
                let tag = unsafe {
                    self._tab.get::<$union>(
                        $crate::tflite::macros::slot($id - 1),
                        Some($union::NONE),
                    )
                }
                .unwrap_or($union::NONE);
                if tag == $union::NONE {
                    return None;
                }
                // SAFETY: `run_verifier` checked the value slot with `tag.verify_value`, which
                // at least verifies it as a table.
                let table = unsafe {
                    self._tab.get::<flatbuffers::ForwardsUOffset<flatbuffers::Table<'a>>>(
                        $crate::tflite::macros::slot($id),
                        None,
                    )
                }?;
                // SAFETY: same check; `table` was verified as the member `tag` names.
                Some(unsafe { tag.view(table) })
            }

            $(
                #[doc = concat!(
                    "The `", stringify!($field), "` union value if its tag is `",
                    stringify!($table), "`."
                )]
                #[inline]
                pub fn $getter(&self) -> Option<$table<'a>> {
                    match self.$field() {
                        Some($value_enum::$table(table)) => Some(table),
                        _ => None,
                    }
                }
            )*
        }
    };
}
