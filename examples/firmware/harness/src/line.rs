//! One output line, formatted without `core::fmt`.

use crate::arch;

/// A line of text sent to the host in pieces of at most 96 bytes.
///
/// ```ignore
/// let mut line = Line::new("@CAL");
/// line.word("loop4").word("n=").dec(1000);
/// line.send(); // "@CAL loop4 n=1000\n"
/// ```
pub struct Line {
    buf: [u8; 96],
    len: usize,
}

impl Line {
    /// Starts a line with `tag` (e.g. `@MEAS`).
    pub fn new(tag: &str) -> Self {
        let mut line = Line {
            buf: [0; 96],
            len: 0,
        };
        line.text(tag);
        line
    }

    /// Appends a space and then `s`.
    #[inline(never)]
    pub fn word(&mut self, s: &str) -> &mut Self {
        self.byte(b' ');
        self.text(s)
    }

    /// Appends `s`.
    #[inline(never)]
    pub fn text(&mut self, s: &str) -> &mut Self {
        for &b in s.as_bytes() {
            self.byte(b);
        }
        self
    }

    /// Appends `v` in decimal.
    #[inline(never)]
    pub fn dec(&mut self, mut v: u32) -> &mut Self {
        let mut digits = [0u8; 10];
        let mut n = 0;
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for &d in digits[..n].iter().rev() {
            self.byte(d);
        }
        self
    }

    /// Appends `v` as `0x` and eight hex digits.
    #[inline(never)]
    pub fn hex(&mut self, v: u32) -> &mut Self {
        self.text("0x");
        for shift in (0..8).rev() {
            let nibble = ((v >> (shift * 4)) & 0xF) as u8;
            self.byte(if nibble < 10 {
                b'0' + nibble
            } else {
                b'a' + nibble - 10
            });
        }
        self
    }

    /// Ends the line and sends it.
    pub fn send(mut self) {
        self.byte(b'\n');
        self.flush();
    }

    fn byte(&mut self, b: u8) {
        if self.len == self.buf.len() {
            self.flush();
        }
        self.buf[self.len] = b;
        self.len += 1;
    }

    #[inline(never)]
    fn flush(&mut self) {
        arch::write(&self.buf[..self.len]);
        self.len = 0;
    }
}
