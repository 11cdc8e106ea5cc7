//! Messages that leave the server (plot failures, `/healthz`) name files by their name, never by
//! their absolute path: where the data and configuration live is nobody else's business, and the
//! name is what a shifter can report. The server's own log keeps the full paths.

/// `msg` with every absolute path replaced by its last component
/// (`/srv/velo/runs/.../run_1.root: bad key` → `run_1.root: bad key`).
pub fn without_paths(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        let starts_path = c == '/'
            && prev.is_none_or(|p| p.is_whitespace() || "\"'`([{=,".contains(p))
            && rest[1..].starts_with(|n: char| !n.is_whitespace() && !ENDS.contains(n));
        if starts_path {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || ENDS.contains(ch))
                .unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches('/');
            out.push_str(path.rsplit('/').next().unwrap_or(""));
            prev = rest[..end].chars().last();
            rest = &rest[end..];
        } else {
            out.push(c);
            prev = Some(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Characters that end a path inside a message.
const ENDS: &str = "\"'`)]},;:";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_become_file_names() {
        for (msg, public) in [
            (
                "run list /srv/velo/runs/RunList.txt: No such file or directory (os error 2)",
                "run list RunList.txt: No such file or directory (os error 2)",
            ),
            (
                "/tmp/x/100000s/run_1.root: not a ROOT file",
                "run_1.root: not a ROOT file",
            ),
            (
                "reference runs \"/etc/velo/references.toml\", line 3",
                "reference runs \"references.toml\", line 3",
            ),
            (
                "run data directory /srv/runs/: denied",
                "run data directory runs: denied",
            ),
        ] {
            assert_eq!(without_paths(msg), public);
        }
    }

    #[test]
    fn plot_names_and_fractions_stay() {
        for msg in [
            "Plot Velo/VeloClusterMonitor/# VELO clusters not found in run file 123",
            "occupancy 3/4 of bins, ratio a / b",
            "no path here",
            "",
        ] {
            assert_eq!(without_paths(msg), msg);
        }
    }
}
