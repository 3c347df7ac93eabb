//! The man page and shell completions, generated from the same clap
//! definitions that parse the command line, so they can never drift.

use std::fs;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Artifact, Cli};

const NAME: &str = "tgw_generic_rk";

/// Writes the requested artifact.
pub fn write(artifact: &Artifact) -> std::io::Result<()> {
    match artifact {
        Artifact::Man { dir } => man(dir),
        Artifact::Completions { shell, dir } => {
            clap_complete::generate_to(*shell, &mut Cli::command(), NAME, dir).map(drop)
        }
    }
}

fn man(dir: &Path) -> std::io::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    fs::create_dir_all(dir)?;
    fs::write(dir.join(format!("{NAME}.1")), page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap_complete::Shell;

    #[test]
    fn man_page_and_completions_name_every_action() {
        let dir = tempfile::tempdir().unwrap();
        write(&Artifact::Man {
            dir: dir.path().into(),
        })
        .unwrap();
        let page = fs::read_to_string(dir.path().join("tgw_generic_rk.1")).unwrap();
        for action in ["restore", "remove", "quickCheck", "recover"] {
            assert!(page.contains(action), "man page lacks {action}");
        }
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let out = dir.path().join(shell.to_string());
            fs::create_dir_all(&out).unwrap();
            let artifact = Artifact::Completions {
                shell,
                dir: out.clone(),
            };
            write(&artifact).unwrap();
            let file = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
            assert!(fs::read_to_string(file).unwrap().contains("quickCheck"));
        }
    }
}
