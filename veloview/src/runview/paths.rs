//! Where a run's files live: the original Vetra layout groups run directories by decades,
//! run 123987 → `100000s/120000s/123000s/123900s/123987`.

use std::path::{Path, PathBuf};

/// The directory of `run` under `base`.
pub fn run_dir(base: &Path, run: u32) -> PathBuf {
    let digits = run.to_string();
    let n = digits.len();
    let mut dir = base.to_path_buf();
    // One level per leading digit, down to the hundreds, as the original make_dir_tree.
    for i in (3..=n).rev() {
        let prefix = &digits[..n - i + 1];
        dir.push(format!("{prefix}{}s", "0".repeat(i - 1)));
    }
    dir.push(&digits);
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_original() {
        assert_eq!(
            run_dir(Path::new("/d"), 123987),
            PathBuf::from("/d/100000s/120000s/123000s/123900s/123987")
        );
        assert_eq!(run_dir(Path::new("d"), 987), PathBuf::from("d/900s/987"));
        assert_eq!(run_dir(Path::new("d"), 42), PathBuf::from("d/42"));
    }
}
