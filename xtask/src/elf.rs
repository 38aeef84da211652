//! Flash and static RAM of a firmware, from its ELF section headers.
//!
//! Every allocated section below [`RAM_START`] is flash (vector table, code, constants). Every
//! allocated section at or above it is static RAM (.data, .bss, .uninit), and an initialised one
//! (.data) also occupies flash with its load image. The numbers equal `llvm-size -A` sums.

use std::fs;
use std::path::Path;

use object::elf::{SHF_ALLOC, SHT_NOBITS};
use object::read::elf::{ElfFile32, SectionHeader};
use object::LittleEndian;

use crate::Result;

/// Start of RAM on mps2-an386 (examples/firmware/harness/memory/mps2-an386.x).
const RAM_START: u64 = 0x2000_0000;

/// Footprint of one firmware image, in bytes.
#[derive(Clone, Copy)]
pub struct Sizes {
    pub flash: u64,
    pub static_ram: u64,
}

pub fn sizes(path: &Path) -> Result<Sizes> {
    let data = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file = ElfFile32::<LittleEndian>::parse(&*data)
        .map_err(|e| format!("{}: not a 32-bit little-endian ELF: {e}", path.display()))?;
    let endian = file.endian();
    let mut sizes = Sizes {
        flash: 0,
        static_ram: 0,
    };
    for header in file.elf_section_table().iter() {
        if u64::from(header.sh_flags(endian)) & u64::from(SHF_ALLOC) == 0 {
            continue;
        }
        let size = u64::from(header.sh_size(endian));
        let initialised = header.sh_type(endian) != SHT_NOBITS;
        if u64::from(header.sh_addr(endian)) < RAM_START {
            sizes.flash += size;
        } else {
            sizes.static_ram += size;
            if initialised {
                sizes.flash += size;
            }
        }
    }
    Ok(sizes)
}
