//! Records the git commit the library is built from, written as `Header/Misc/git_SHA_reference`
//! as SAGE writes its own (empty when the source is not a git checkout, as in a package), and
//! whether the HDF5 linked is 1.12 or later (`hdf5_1_12`), whose API versions a few direct calls
//! follow.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(hdf5_1_12)");
    if std::env::var_os("DEP_HDF5_VERSION_1_12_0").is_some() {
        println!("cargo::rustc-cfg=hdf5_1_12");
    }
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
