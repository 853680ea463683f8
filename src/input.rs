//! Reading the files a user hands the tool (snapshots, reports, baselines, suppressions)
//! through a bound: a file larger than the bound, or holding a byte no JSON or TOML text holds
//! raw (a control character other than tab, LF and CR), is refused at its first block, so
//! `/dev/zero` or a binary file never fills memory.

use std::io::Read;
use std::path::Path;

/// The most a baseline, a suppressions file or a report given to `baseline` may weigh.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Why a file was not read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// It is larger than the bound.
    #[error("larger than {0} bytes")]
    TooLarge(u64),
    /// It holds something no text format of the tool holds.
    #[error("{0}")]
    NotText(String),
}

/// The text of `path`, read through `max_bytes`.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, ReadError> {
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    let mut block = vec![0u8; 1 << 16];
    loop {
        let n = match file.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if bytes.len() as u64 + n as u64 > max_bytes {
            return Err(ReadError::TooLarge(max_bytes));
        }
        if let Some(i) = block[..n]
            .iter()
            .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        {
            return Err(ReadError::NotText(format!(
                "byte {} is 0x{:02x}, which no JSON or TOML file holds",
                bytes.len() + i,
                block[i]
            )));
        }
        bytes.extend_from_slice(&block[..n]);
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotText(format!("not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_and_binary_bytes_stop_the_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.json");
        std::fs::write(&big, "x".repeat(100)).unwrap();
        assert!(matches!(read_text(&big, 99), Err(ReadError::TooLarge(99))));
        assert_eq!(read_text(&big, 100).unwrap().len(), 100);
        let binary = dir.path().join("bin");
        std::fs::write(&binary, b"{\"a\":\x00}").unwrap();
        let e = read_text(&binary, 100).unwrap_err().to_string();
        assert_eq!(e, "byte 5 is 0x00, which no JSON or TOML file holds");
        assert!(matches!(
            read_text(&dir.path().join("missing"), 10),
            Err(ReadError::Io(_))
        ));
    }
}
