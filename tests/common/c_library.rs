//! galaxy-io's C library (`galaxy-io-c`) for tests that link C programs against it. Cargo does
//! not build a crate's static library for its integration tests, so it is built here, with the
//! cargo running the tests, into the same target directory and profile.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `libgalaxy_io.a`, built (or found up to date) once per test process.
pub fn static_library() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        // <target>/<profile>/deps/<test binary>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary is in <target>/<profile>/deps");
        let target = profile_dir.parent().expect("a target directory");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .find(|dir| dir.join("galaxy-io-c/Cargo.toml").is_file())
            .expect("the galaxy-io workspace");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(workspace)
            .args(["build", "--quiet", "-p", "galaxy-io-c", "--target-dir"])
            .arg(target);
        if profile_dir
            .file_name()
            .is_some_and(|name| name == "release")
        {
            build.arg("--release");
        }
        let output = build.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "building galaxy-io-c failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let library = profile_dir.join("libgalaxy_io.a");
        assert!(library.is_file(), "{} was not built", library.display());
        library
    })
}
