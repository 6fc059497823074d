//! Records the git commit the library is built from, written as `Header/Misc/git_SHA_reference`
//! as SAGE writes its own (empty when the source is not a git checkout, as in a package).

fn main() {
    for watched in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(watched).exists() {
            println!("cargo:rerun-if-changed={watched}");
        }
    }
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("cargo:rustc-env=GALAXY_IO_GIT_SHA={commit}");
}
