//! Target-specific inner loops, one whole module per target family, chosen by `cfg`, with the
//! portable module as the fallback. Both implement exactly the same functions with the same
//! results (same operations in the same order), so every kernel built on them is bit-identical
//! on every target. This is the only module of the crate allowed to use `unsafe` (inline asm).
//!
//! Two independent choices:
//! - float: `arm_vfp` on Arm targets with a hardware FPU (`*-eabihf`), else `portable`;
//! - int8 SIMD (16-bit lanes in a 32-bit word): `arm_dsp` when `build.rs` sets `cfg(kiln_dsp)`
//!   (Armv7E-M and Armv8-M Mainline: `thumbv7em-*`, `thumbv8m.main-*`), else `portable_dsp`.

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod arm_vfp;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub use arm_vfp::*;

#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
mod portable;
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
pub use portable::*;

/// [`crate::quant::requantize_fast`] of the sum in register `$a`, in place, as five DSP
/// instructions for the asm loops: `smmlar` by twice the multiplier (register `$m`), the sign
/// correction, `asr` by `e − 1` (the low byte of register `$e`), `add` of `k` (register `$k`) and
/// `ssat #8, asr #1`: saturated to int8 (a narrower activation range is the caller's). The asm
/// names a `fix` const operand: 0 leaves out the sign correction
/// ([`crate::quant::requantize_fast_clamped`], for layers [`crate::quant::needs_sign_fix`]
/// clears).
#[cfg(kiln_dsp)]
macro_rules! requant_fast_asm {
    ($a:literal, $m:literal, $e:literal, $k:literal) => {
        concat!(
            "smmlar ",
            $a,
            ", ",
            $a,
            ", ",
            $m,
            ", ",
            $a,
            "\n",
            ".if {fix}\n",
            "add ",
            $a,
            ", ",
            $a,
            ", ",
            $a,
            ", asr #31\n",
            ".endif\n",
            "asr ",
            $a,
            ", ",
            $a,
            ", ",
            $e,
            "\n",
            "add ",
            $a,
            ", ",
            $a,
            ", ",
            $k,
            "\n",
            "ssat ",
            $a,
            ", #8, ",
            $a,
            ", asr #1",
        )
    };
}

/// [`crate::quant::requantize_doubled`] of the doubled sum in register `$a`, in place, for the
/// asm loops whose tables hold doubled weights and biases: `smmlar` by the multiplier (register
/// `$m`) with `k · 2^(e − 1)` (register `$k`) as the high word, `asr` by `e` (register `$e`),
/// `ssat #8`. With the asm's `fix` const operand set, the sign correction first subtracts the
/// sign bit of the sum from the high word, in register `$t`.
#[cfg(kiln_dsp)]
macro_rules! requant_doubled_asm {
    ($a:literal, $m:literal, $e:literal, $k:literal, $t:literal) => {
        concat!(
            ".if {fix}\n",
            "sub ",
            $t,
            ", ",
            $k,
            ", ",
            $a,
            ", lsr #31\n",
            "smmlar ",
            $a,
            ", ",
            $a,
            ", ",
            $m,
            ", ",
            $t,
            "\n",
            ".else\n",
            "smmlar ",
            $a,
            ", ",
            $a,
            ", ",
            $m,
            ", ",
            $k,
            "\n",
            ".endif\n",
            "asr ",
            $a,
            ", ",
            $a,
            ", ",
            $e,
            "\n",
            "ssat ",
            $a,
            ", #8, ",
            $a,
        )
    };
}

#[cfg(kiln_dsp)]
mod arm_dsp;
#[cfg(kiln_dsp)]
pub use arm_dsp::*;

#[cfg(not(kiln_dsp))]
mod portable_dsp;
#[cfg(not(kiln_dsp))]
pub use portable_dsp::*;

#[cfg(kiln_dsp)]
mod arm_dsp_dw;
#[cfg(kiln_dsp)]
pub use arm_dsp_dw::*;

#[cfg(not(kiln_dsp))]
mod portable_dsp_dw;
#[cfg(not(kiln_dsp))]
pub use portable_dsp_dw::*;

#[cfg(kiln_dsp)]
mod arm_dsp_pool;
#[cfg(kiln_dsp)]
pub use arm_dsp_pool::*;

#[cfg(not(kiln_dsp))]
mod portable_dsp_pool;
#[cfg(not(kiln_dsp))]
pub use portable_dsp_pool::*;

/// A run of depthwise windows clipped the same way (or of any filter size), as [`dw_rect_x4`]
/// walks them for `groups` sets of four channels: `pixels` windows, `x_pixel` input bytes and
/// `out_pixel` output bytes apart (a stretch of one output row, or of one output column); each
/// `rows` rows of `cols` input taps, `x_col` bytes apart in a row and `x_row` bytes apart between
/// rows. The table holds `taps + 9` words per set (four biases, `taps` weight words, four
/// multipliers, one word of shifts); a window's first tap uses weight word `w_first` and the
/// next row's first tap `w_row` words further. `offset` and `k` as in [`Dw3x3`].
#[derive(Clone, Copy, Debug)]
pub struct DwRect {
    /// Windows (at least 1).
    pub pixels: usize,
    /// Bytes from one window's first input tap to the next window's.
    pub x_pixel: usize,
    /// Bytes from one window's first output to the next window's (at least `4 · groups`).
    pub out_pixel: usize,
    /// Rows of taps inside the input (0 for none).
    pub rows: usize,
    /// Taps per row inside the input (0 for none).
    pub cols: usize,
    /// Bytes from one input tap to the next in a row.
    pub x_col: usize,
    /// Bytes from the first input tap of a row to that of the next row.
    pub x_row: usize,
    /// Weight word of the first tap.
    pub w_first: usize,
    /// Weight words from one row's first tap to the next row's (the filter width).
    pub w_row: usize,
    /// Weight words per set (the filter's taps).
    pub taps: usize,
    /// Sets of four channels (at least 1).
    pub groups: usize,
    /// The input offset (minus the input zero point) in both 16-bit lanes.
    pub offset: u32,
    /// `1 + 2 · output_zero_point`.
    pub k: i32,
}

impl DwRect {
    /// Table words per set of four channels.
    pub fn group_words(&self) -> usize {
        self.taps + 9
    }

    /// Whether every read and write lies inside `x`, `table` and `out` (the input from the
    /// first window's first tap, the table of the first set, the output of the first window's
    /// first channel), every tap's weight lies among the set's `taps`, windows' outputs do not
    /// overlap, and there is at least one window and one set of channels.
    pub fn fits(&self, x: usize, table: usize, out: usize) -> bool {
        self.ends(x, table, out).unwrap_or(false)
    }

    fn ends(&self, x: usize, table: usize, out: usize) -> Option<bool> {
        let span = self.groups.checked_mul(4)?;
        let table_end = self.groups.checked_mul(self.taps.checked_add(9)?)?;
        let runs = self.pixels.checked_sub(1)?;
        let out_end = runs.checked_mul(self.out_pixel)?.checked_add(span)?;
        if self.groups == 0 || self.out_pixel < span || table_end > table || out_end > out {
            return Some(false);
        }
        if self.rows == 0 || self.cols == 0 {
            return Some(true);
        }
        let (r, c) = (self.rows - 1, self.cols - 1);
        let x_end = r
            .checked_mul(self.x_row)?
            .checked_add(c.checked_mul(self.x_col)?)?
            .checked_add(span)?
            .checked_add(runs.checked_mul(self.x_pixel)?)?;
        let w_end = r
            .checked_mul(self.w_row)?
            .checked_add(self.w_first)?
            .checked_add(self.cols)?;
        Some(x_end <= x && w_end <= self.taps)
    }
}

/// Words per channel in the table of [`dw3_rows`], all doubled for
/// [`crate::quant::requantize_doubled`]: the weights of filter rows 0, 1, 2, 0, 1 (three words
/// per row: the 16-bit lane pairs `2w0 | 2w1 << 16`, `2w1 | 2w2 << 16`, `2w2 | 2w0 << 16`), twice
/// the bias with the input offset folded in (`2 · (bias + offset · Σ w)`), the multiplier and
/// the right shift `e` (`−shift`, `1..=`[`crate::quant::DOUBLED_MAX_SHIFT`]).
pub const DW_ROWS_CHANNEL_WORDS: usize = 18;

/// Channels [`dw3_rows`] widens together for `channels` channels ([`DwRows::group`]).
pub const fn dw_rows_group(channels: usize) -> usize {
    if channels.is_multiple_of(4) {
        4
    } else {
        1
    }
}

/// One image of a depthwise convolution with a 3×3 filter, stride 1 and no dilation, as
/// [`dw3_rows`] runs it over groups of [`DwRows::group`] channels, each channel's three input
/// rows widened to 16-bit lanes in its own part of the scratch: [`DwRows::units`] units of six
/// words, word `2j` and `2j + 1` of unit `u` holding lanes `4u .. 4u + 4` of row slot `j`, lane
/// `i` being input column `i − pad_left` (the input zero point outside the input). Padded row `r`
/// (input row `r − pad_top`, all zero point outside the input) lives in slot `r % 3`; output row
/// `y` reads padded rows `y .. y + 3`. Channel `g` of a group has the `g`-th part
/// ([`DwRows::ring_words`] words each).
#[derive(Clone, Copy, Debug)]
pub struct DwRows {
    /// Channels (input and output), the bytes between one pixel's channel and the next pixel's.
    pub channels: usize,
    /// Input rows.
    pub input_height: usize,
    /// Input columns.
    pub input_width: usize,
    /// Output rows: `input_height + 2 · pad_top − 2`.
    pub output_height: usize,
    /// Output columns, a multiple of 4: `input_width + 2 · pad_left − 2`.
    pub output_width: usize,
    /// Rows of padding above the input (0 or 1).
    pub pad_top: usize,
    /// Columns of padding left of the input (0 or 1).
    pub pad_left: usize,
    /// The input zero point.
    pub zero: i32,
    /// `1 + 2 · output_zero_point`.
    pub k: i32,
}

impl DwRows {
    /// Units of the scratch: one per four outputs of a row, and one more.
    pub const fn units(&self) -> usize {
        self.output_width / 4 + 1
    }

    /// Channels widened together: four when the channel count is a multiple of 4 (one word
    /// load reads a pixel's four), else one.
    pub const fn group(&self) -> usize {
        dw_rows_group(self.channels)
    }

    /// Scratch words per channel of a group: [`Self::units`] units of six words.
    pub const fn ring_words(&self) -> usize {
        6 * self.units()
    }

    /// Whether the geometry is one [`dw3_rows`] runs and every read and write lies inside the
    /// input `x` (one image), the `table` ([`DW_ROWS_CHANNEL_WORDS`] per channel), the scratch
    /// `blocks` (words) and `out` (one image).
    pub fn fits(&self, x: usize, table: usize, blocks: usize, out: usize) -> bool {
        let (ih, iw, oh, ow, ch) = (
            self.input_height,
            self.input_width,
            self.output_height,
            self.output_width,
            self.channels,
        );
        let (Some(image), Some(frame), Some(words)) = (
            ih.checked_mul(iw).and_then(|n| n.checked_mul(ch)),
            oh.checked_mul(ow).and_then(|n| n.checked_mul(ch)),
            ch.checked_mul(DW_ROWS_CHANNEL_WORDS),
        ) else {
            return false;
        };
        ch > 0
            && ow >= 4
            && ow.is_multiple_of(4)
            && oh > 0
            && self.pad_top <= 1
            && self.pad_left <= 1
            && oh + 2 == ih + 2 * self.pad_top
            && ow + 2 == iw + 2 * self.pad_left
            && image <= x
            && words <= table
            && self.group() * self.ring_words() <= blocks
            && frame <= out
            && i16::try_from(self.zero).is_ok()
    }
}

/// Words per set of four channels in the table of [`dw3x3_x4`]: four biases, the nine weight
/// words of a 3×3 filter, four multipliers and one word of four right shifts.
pub const DW3X3_GROUP_WORDS: usize = 18;

/// A block of 3×3 depthwise windows lying wholly inside the input, as [`dw3x3_x4`] walks them
/// for `groups` sets of four channels: `rows` rows of `pixels` windows, the windows of a row
/// `x_pixel` input bytes apart and their outputs one after the other (`4 · groups` bytes
/// apart), the rows `y_pixel` input bytes and `out_row` output bytes apart; in a window, input
/// taps `x_col` bytes apart in a row and `x_row` bytes apart between rows. The next set of
/// channels starts 4 bytes further in the input and the output and [`DW3X3_GROUP_WORDS`] words
/// further in the table. `offset` is the input offset in both 16-bit lanes and `k` is
/// `1 + 2 · output_zero_point` (see [`crate::quant::requantize_fast`]).
#[derive(Clone, Copy, Debug)]
pub struct Dw3x3 {
    /// Windows per row (at least 1).
    pub pixels: usize,
    /// Rows of windows (at least 1).
    pub rows: usize,
    /// Bytes from one window's first input tap to the next window's in a row.
    pub x_pixel: usize,
    /// Bytes from one row's first input tap to the next row's.
    pub y_pixel: usize,
    /// Bytes from one row's first output to the next row's (at least `4 · groups · pixels`).
    pub out_row: usize,
    /// Bytes from one input tap to the next in a row.
    pub x_col: usize,
    /// Bytes from the first input tap of a row to that of the next row.
    pub x_row: usize,
    /// Sets of four channels (at least 1).
    pub groups: usize,
    /// The input offset (minus the input zero point) in both 16-bit lanes.
    pub offset: u32,
    /// `1 + 2 · output_zero_point`.
    pub k: i32,
}

impl Dw3x3 {
    /// Whether every read and write lies inside `x`, `table` and `out` (the input from the first
    /// window's first tap, the table of the first set, the output of the first window), rows'
    /// outputs do not overlap, and there is at least one window and one set of channels.
    pub fn fits(&self, x: usize, table: usize, out: usize) -> bool {
        self.ends(x, table, out).unwrap_or(false)
    }

    fn ends(&self, x: usize, table: usize, out: usize) -> Option<bool> {
        let span = self.groups.checked_mul(4)?;
        let line = span.checked_mul(self.pixels)?;
        let down = self.rows.checked_sub(1)?;
        let x_end = self
            .x_row
            .checked_add(self.x_col)?
            .checked_mul(2)?
            .checked_add(span)?
            .checked_add(self.pixels.checked_sub(1)?.checked_mul(self.x_pixel)?)?
            .checked_add(down.checked_mul(self.y_pixel)?)?;
        let out_end = down.checked_mul(self.out_row)?.checked_add(line)?;
        Some(
            self.groups > 0
                && self.pixels > 0
                && self.out_row >= line
                && x_end <= x
                && self.groups.checked_mul(DW3X3_GROUP_WORDS)? <= table
                && out_end <= out,
        )
    }
}

/// One pixel pair of a 1×1 convolution for [`pointwise_pairs`]: `pairs` output channel pairs
/// over `words` steps of four inputs, requantized with `kiln::quant::requantize_fast`
/// (`k = 1 + 2 · output_offset`) and saturated to int8 (a narrower activation range is the
/// caller's to apply); pixel 1's outputs are `out1` bytes after
/// pixel 0's (0 when the pixel is alone: its widened inputs are then pixel 0's again and the
/// same values are written twice).
#[derive(Clone, Copy, Debug)]
pub struct PointwisePairs {
    /// Steps of four inputs.
    pub words: usize,
    /// Output channel pairs.
    pub pairs: usize,
    /// Bytes from pixel 0's outputs to pixel 1's.
    pub out1: usize,
    /// `1 + 2 · output_offset`.
    pub k: i32,
}

impl PointwisePairs {
    /// Whether there is work and the slices (lengths of scratch, weights, bias, multiplier,
    /// shift, out) hold everything [`pointwise_pairs`] reads and writes.
    pub fn fits(&self, [scratch, weights, bias, multiplier, shift, out]: [usize; 6]) -> bool {
        let (w, n) = (self.words, 2 * self.pairs);
        w > 0
            && n > 0
            && scratch / 4 >= w
            && w.checked_mul(n).is_some_and(|need| weights >= need)
            && bias >= n
            && multiplier >= n
            && shift >= n
            && self.out1.checked_add(n).is_some_and(|need| out >= need)
    }
}

/// One row of a fully connected layer (or a 1×1 convolution of one pixel), as [`fc_row`] runs
/// it: two output channels per pass over the row widened once. The table holds per channel
/// pair [`FcRow::pair_words`] words: the two (input-offset-folded) biases, per eight inputs the
/// four raw weight words `w0[k], w1[k], w0[k + 1], w1[k + 1]` (little-endian int8, channels 0 and
/// 1 of the pair), then twice the two multipliers and `(e − 1) | k << 8` for each (as
/// [`PointwiseQuads`]). The widened row holds per four inputs their `sxtb16` and `sxtb16_ror8`
/// words.
#[derive(Clone, Copy, Debug)]
pub struct FcRow {
    /// Words of four inputs (even, at least 2).
    pub words: usize,
    /// Channel pairs (at least 1).
    pub pairs: usize,
    /// Whether the requantization needs its sign correction
    /// ([`crate::quant::needs_sign_fix`]).
    pub sign_fix: bool,
}

impl FcRow {
    /// Table words per channel pair.
    pub const fn pair_words(words: usize) -> usize {
        2 * words + 6
    }

    /// Whether there is work and the slices (widened words, table words, output bytes) hold
    /// everything [`fc_row`] reads and writes.
    pub fn fits(&self, wide: usize, table: usize, out: usize) -> bool {
        self.words >= 2
            && self.words.is_multiple_of(2)
            && self.pairs > 0
            && self.words.checked_mul(2).is_some_and(|need| wide >= need)
            && self
                .pairs
                .checked_mul(Self::pair_words(self.words))
                .is_some_and(|need| table >= need)
            && self.pairs.checked_mul(2).is_some_and(|need| out >= need)
    }
}

/// One group of four pixels of a 1×1 convolution, as [`pointwise_quads`] runs it over every output
/// channel: one channel × four pixels per pass. The table holds per channel `words + 2` words:
/// the bias shifted left by 8 with `e − 1` in the low byte (`e` the right shift, `1..=31`; the
/// bias in `-2^23..2^23`), the `words` raw weight words, then twice the multiplier (which lies in
/// `[2^30, 2^31)`). The scratch holds per step of four inputs the `sxtb16` and `sxtb16_ror8`
/// words of pixels 0 to 3 (eight words).
#[derive(Clone, Copy, Debug)]
pub struct PointwiseQuads {
    /// Steps of four inputs (at least 1).
    pub words: usize,
    /// Output channels (at least 1).
    pub channels: usize,
    /// Bytes from pixel 0's outputs to those of pixels 1, 2 and 3. The pixels are stored from 3
    /// down to 0, so that equal offsets are fine for repeated pixels (which compute the same
    /// values), and offset 0 for a pixel past the end, whatever it computes (pixel 0 overwrites
    /// it).
    pub out: [usize; 3],
    /// `1 + 2 · output_offset`.
    pub k: i32,
    /// Whether the requantization needs its sign correction
    /// ([`crate::quant::needs_sign_fix`]).
    pub sign_fix: bool,
}

/// Steps of four inputs [`quad_groups_wide`] unrolls: its windows hold at most 32 inputs.
pub const QUADS_WIDE_STEPS: usize = 8;

impl PointwiseQuads {
    /// Table words per output channel.
    pub const fn channel_words(words: usize) -> usize {
        words + 2
    }

    /// Table words per output channel of the pre-widened layout [`quad_groups_wide`] reads,
    /// doubled for [`crate::quant::requantize_doubled`]: twice the bias four times (one per
    /// pixel), per step of four weights their `sxtb16` and `sxtb16_ror8` words with both lanes
    /// doubled, then the multiplier, the right shift `e` and `k · 2^(e − 1)` (`k` as in
    /// [`PointwiseQuads::k`], which the wide layout carries instead).
    pub const fn wide_channel_words(words: usize) -> usize {
        2 * words + 7
    }

    /// Whether there is work and the slices (lengths of scratch, table and out) hold everything
    /// [`pointwise_quads`] reads and writes.
    pub fn fits(&self, scratch: usize, table: usize, out: usize) -> bool {
        let last = self.out.iter().copied().max().unwrap_or(0);
        self.words > 0
            && self.channels > 0
            && self
                .words
                .checked_mul(8)
                .is_some_and(|need| scratch >= need)
            && self
                .channels
                .checked_mul(Self::channel_words(self.words))
                .is_some_and(|need| table >= need)
            && last
                .checked_add(self.channels)
                .is_some_and(|need| out >= need)
    }
}

/// Four convolution windows widened for [`pointwise_quads`] by [`widen_quad`]: `rows` rows of
/// `words` words each, the rows `step` bytes apart in the source and the four windows `dx` bytes
/// apart (the windows of four horizontally adjacent pixels, or four gathered windows). Each
/// source word becomes its `sxtab16` and `sxtab16_ror8` words with `offset` added to both
/// lanes, the four windows' pairs side by side (eight words per step).
#[derive(Clone, Copy, Debug)]
pub struct WidenQuad {
    /// Rows (at least 1).
    pub rows: usize,
    /// Words per row (at least 1).
    pub words: usize,
    /// Bytes from one window to the next.
    pub dx: usize,
    /// Bytes from one row to the next (at least `4 · words` when there are several rows).
    pub step: usize,
    /// The input offset in both 16-bit lanes.
    pub offset: u32,
}

impl WidenQuad {
    /// Whether every read lies in `src` bytes and every write in `dst` words.
    pub fn fits(&self, src: usize, dst: usize) -> bool {
        let need = (|| {
            let run = self.words.checked_mul(4)?;
            let last = (self.rows.checked_sub(1)?)
                .checked_mul(self.step)?
                .checked_add(self.dx.checked_mul(3)?)?
                .checked_add(run)?;
            let out = self.rows.checked_mul(self.words)?.checked_mul(8)?;
            Some((last, out, run))
        })();
        need.is_some_and(|(last, out, run)| {
            self.words > 0 && (self.rows == 1 || self.step >= run) && last <= src && out <= dst
        })
    }
}

/// Groups of four adjacent windows and pixels, as [`quad_groups`] runs them one after the other:
/// group `g` widened as `widen` describes from `4 · g · widen.dx` bytes into the source, then
/// every channel as `quads` describes into the output from `4 · g · quads.channels` bytes, the
/// pixels of every group but the last `quads.channels` bytes apart, those of the last
/// `quads.out`. Checked once, when made, against the lengths of the slices it is given.
#[derive(Clone, Copy, Debug)]
pub struct QuadGroups {
    widen: WidenQuad,
    quads: PointwiseQuads,
    groups: usize,
    lens: [usize; 4],
    wide: bool,
}

impl QuadGroups {
    /// `groups` groups (at least 1), if they fit in slices of `lens`: source bytes, widened
    /// words, table words and output bytes. The last group, `4 · (groups − 1)` windows and
    /// pixels in, must fit as [`widen_quad`] and [`pointwise_quads`] check (the groups before it
    /// read and write less, from fewer bytes in). Inlined: with a layer's constant geometry the
    /// checks fold away, and so do those of the group loops against the result.
    #[inline(always)]
    pub fn new(
        widen: WidenQuad,
        quads: PointwiseQuads,
        groups: usize,
        lens: [usize; 4],
    ) -> Option<Self> {
        let [src, wide, table, out] = lens;
        let ahead = |step: usize| groups.checked_sub(1)?.checked_mul(4)?.checked_mul(step);
        let (s, o) = (ahead(widen.dx)?, ahead(quads.channels)?);
        let fit =
            s <= src && o <= out && widen.fits(src - s, wide) && quads.fits(wide, table, out - o);
        fit.then_some(Self {
            widen,
            quads,
            groups,
            lens,
            wide: false,
        })
    }

    /// Whether slices of `lens` (as for [`QuadGroups::new`]) are at least as long as those
    /// checked.
    pub fn fits(&self, lens: [usize; 4]) -> bool {
        lens.iter().zip(self.lens).all(|(have, need)| *have >= need)
    }

    /// [`QuadGroups::fits`] for [`quad_groups_wide`]: also made by [`QuadGroups::new_wide`].
    pub fn fits_wide(&self, lens: [usize; 4]) -> bool {
        self.wide && self.fits(lens)
    }

    /// [`QuadGroups::new`] for [`quad_groups_wide`]: the table in the pre-widened layout
    /// ([`PointwiseQuads::wide_channel_words`] per channel), at most [`QUADS_WIDE_STEPS`] steps
    /// per window, windows of one row, and widened words for every group (`quad_groups_wide`
    /// widens them all at once, group `n` at word `8 · words · n`).
    #[inline(always)]
    pub fn new_wide(
        widen: WidenQuad,
        quads: PointwiseQuads,
        groups: usize,
        lens: [usize; 4],
    ) -> Option<Self> {
        let table = quads
            .channels
            .checked_mul(PointwiseQuads::wide_channel_words(quads.words))?;
        let wide = groups.checked_mul(8)?.checked_mul(widen.words)?;
        let g = Self::new(widen, quads, groups, lens)?;
        let fit = widen.rows == 1 && lens[1] >= wide && lens[2] >= table;
        (quads.words <= QUADS_WIDE_STEPS && fit).then_some(Self { wide: true, ..g })
    }
}

/// Whether [`copy_columns_3x3`] fits: `columns` (at least 1) columns of three 3-byte pixels,
/// column `x` the pixels at `3x`, `row + 3x` and `2 · row + 3x` of a source of `src` bytes,
/// copied one after the other (nine bytes per column) into `dst` bytes.
pub fn columns_3x3_fit(dst: usize, src: usize, row: usize, columns: usize) -> bool {
    let need = row.checked_mul(2).zip(columns.checked_mul(3));
    columns > 0
        && dst / 9 >= columns
        && need.is_some_and(|(rows, run)| rows.checked_add(run).is_some_and(|n| n <= src))
}

/// Whether `rows` runs of `n` bytes, `step` bytes apart, fit in `len` bytes (for [`copy_rows`];
/// false when there is nothing to copy).
pub fn runs_fit(len: usize, step: usize, rows: usize, n: usize) -> bool {
    rows > 0
        && n > 0
        && matches!((rows - 1).checked_mul(step).and_then(|a| a.checked_add(n)), Some(end) if end <= len)
}

/// The filter rows of a convolution window, as [`conv_rows_2x1`] walks them for two pixels and
/// `channels` output channels: `rows` rows of `words` 4-byte words then `tail` single bytes. The
/// input rows are `x_row` bytes apart and the second pixel's window starts `pair` bytes after
/// the first's (0 for one pixel); the weight rows are `w_row` bytes apart and the next channel's
/// weights start `w_channel` bytes further.
#[derive(Clone, Copy, Debug)]
pub struct RowWindow {
    /// Filter rows inside the input.
    pub rows: usize,
    /// Words (4 bytes) per row.
    pub words: usize,
    /// Single bytes per row after the words (0 to 3).
    pub tail: usize,
    /// Bytes from one input row of the window to the next.
    pub x_row: usize,
    /// Bytes from the first pixel's window to the second's.
    pub pair: usize,
    /// Bytes from one weight row to the next.
    pub w_row: usize,
    /// Output channels.
    pub channels: usize,
    /// Bytes from one channel's weights to the next.
    pub w_channel: usize,
}

impl RowWindow {
    /// Bytes per row.
    pub fn run(&self) -> usize {
        4 * self.words + self.tail
    }

    /// Whether every byte of the window lies inside `x` and `w` (both start at the first byte).
    pub fn fits(&self, x: usize, w: usize) -> bool {
        if self.rows == 0 || self.run() == 0 || self.channels == 0 {
            return true;
        }
        let span = |row: usize, extra: usize| {
            (self.rows - 1)
                .checked_mul(row)
                .and_then(|a| a.checked_add(extra))
                .and_then(|a| a.checked_add(self.run()))
        };
        let w_extra = (self.channels - 1).checked_mul(self.w_channel);
        matches!(span(self.x_row, self.pair), Some(end) if end <= x)
            && matches!(w_extra.and_then(|e| span(self.w_row, e)), Some(end) if end <= w)
    }
}

/// A chain of small float fully connected layers that [`fc_f32_chain`] runs in one call, each
/// layer's output the next one's input, on one arena of floats. Made only by [`Self::new`],
/// which checks the whole table, so the kernel trusts it.
///
/// The table holds, per layer, a configuration word (an `f32` with these bits, see
/// [`Self::cfg`]) followed by the weights and biases: depth 16, each output unit's 16 weights
/// and then its bias (`[unit][17]`); depth 1, per pair of units their two weights and then
/// their two biases (`[units / 2][2][2]`, see [`Self::bias_at`]). A `0` word follows the last
/// layer. Layer `k` reads its input at
/// arena float `x` and writes its output at `out` when `k` is even, the other way round when
/// `k` is odd (the two buffers take turns).
#[derive(Clone, Copy, Debug)]
pub struct FcF32Chain<'a> {
    table: &'a [f32],
    x: usize,
    out: usize,
    floats: usize,
}

impl<'a> FcF32Chain<'a> {
    /// The configuration word of a layer of `units` output units: `units` in bits 0-15, bit 16
    /// set for input depth 16 (else 1), and the top nine bits the exact clamp's ReLU threshold
    /// on the bits of a sum as an `i32` (a sum at most it becomes `+0.0`): `0xff80_0000`
    /// (`-inf`, so every negative non-NaN sum) with ReLU, `0x8000_0000` (`-0.0`, which no sum
    /// is) without.
    pub const fn cfg(units: usize, depth16: bool, relu: bool) -> u32 {
        let thr = if relu { 0xff80_0000 } else { 0x8000_0000 };
        (units as u32 & 0xffff) | (depth16 as u32) << 16 | thr
    }

    /// The chain of `table` with the first layer's input at arena float `x` and its output at
    /// `out`, or `None` unless every layer is one the kernel runs: input depth 1 or 16, ReLU or
    /// no activation, 1 to 65535 output units, a multiple of 2 for depth 1 and of 4 for ReLU; every
    /// weight and bias finite and no bias `-0.0`; each layer's input and output disjoint; the
    /// table exactly as long as its layers.
    pub const fn new(table: &'a [f32], x: usize, out: usize) -> Option<Self> {
        let (mut cx, mut co, mut k, mut floats) = (x, out, 0, 0);
        loop {
            if k >= table.len() {
                return None;
            }
            let cfg = table[k].to_bits();
            k += 1;
            if cfg == 0 {
                break;
            }
            let units = (cfg & 0xffff) as usize;
            let depth = if cfg & 0x1_0000 != 0 { 16 } else { 1 };
            let relu = match cfg & 0xff80_0000 {
                0xff80_0000 => true,
                0x8000_0000 => false,
                _ => return None,
            };
            let units_ok = if relu {
                units.is_multiple_of(4)
            } else {
                depth == 16 || units.is_multiple_of(2)
            };
            if cfg & 0x007e_0000 != 0 || units == 0 || !units_ok {
                return None;
            }
            let n = units * (depth + 1);
            if table.len() - k < n {
                return None;
            }
            let mut i = 0;
            while i < n {
                let b = table[k + i].to_bits();
                let bias = Self::bias_at(i, depth);
                if b & 0x7f80_0000 == 0x7f80_0000 || bias && b == 0x8000_0000 {
                    return None;
                }
                i += 1;
            }
            k += n;
            let (Some(x_end), Some(o_end)) = (cx.checked_add(depth), co.checked_add(units)) else {
                return None;
            };
            if !(x_end <= co || o_end <= cx) {
                return None;
            }
            floats = max(floats, max(x_end, o_end));
            (cx, co) = (co, cx);
        }
        if k != table.len() {
            return None;
        }
        Some(Self {
            table,
            x,
            out,
            floats,
        })
    }

    /// Whether word `i` of a layer's weights and biases (after its configuration word) is a
    /// bias: the last of each unit's 17 words at depth 16; the last two of each set of four
    /// (two weights, two biases) at depth 1.
    pub const fn bias_at(i: usize, depth: usize) -> bool {
        if depth == 1 {
            i % 4 >= 2
        } else {
            i % (depth + 1) == depth
        }
    }

    /// Floats of the arena the chain reads or writes (from its start).
    pub const fn floats(&self) -> usize {
        self.floats
    }
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Table words per output channel of [`pointwise_add`], doubled for
/// [`crate::quant::requantize_doubled`]: twice the bias (with the input offset folded in), four
/// words of doubled weight lanes `(w0, w2)`, `(w1, w3)`, `(w4, w6)`, `(w5, w7)` (each lane twice
/// the weight as 16 bits, matching the pairs `sxtb16` and `sxtb16_ror8` make of an input word),
/// the convolution's multiplier, `k · 2^(e − 1)` and `e` (`e = −shift`, `k = 1 + 2 · zero
/// point`), the ADD output's multiplier, `e` and `k · 2^(e − 1)`, and the number of channels
/// after this one (0 for the last: the asm's loop test). Every `e` is at most
/// [`crate::quant::DOUBLED_MAX_SHIFT`].
pub const POINTWISE_ADD_CHANNEL_WORDS: usize = 12;

/// Input depth of [`pointwise_add`]: one pixel's inputs are two words, four registers of lanes.
pub const POINTWISE_ADD_DEPTH: usize = 8;

/// The output channels of a [`pointwise_add`] table when it is well formed (every channel's last
/// word counts the channels after it, down to 0, and nothing is missing): the asm's loops stop
/// on those words. `None` otherwise.
pub fn pointwise_add_channels(table: &[u32]) -> Option<usize> {
    let w = POINTWISE_ADD_CHANNEL_WORDS;
    let channels = (*table.get(w - 1)? as usize).checked_add(1)?;
    let table = table.get(..channels.checked_mul(w)?)?;
    table
        .chunks_exact(w)
        .zip((0..channels).rev())
        .all(|(t, after)| t.last().is_some_and(|&n| n as usize == after))
        .then_some(channels)
}

/// Whether [`pointwise_add`] may run `pixels` pixels on these slices (lengths): at least one
/// pixel, the input's two words per pixel, the residual table's 256 words and the output bytes
/// of every channel of every pixel present.
pub fn pointwise_add_fits(
    pixels: usize,
    channels: usize,
    x_words: usize,
    residual: usize,
    io: usize,
) -> bool {
    pixels > 0
        && channels > 0
        && pixels.checked_mul(2).is_some_and(|n| x_words >= n)
        && residual == 256
        && pixels.checked_mul(channels).is_some_and(|n| io >= n)
}
