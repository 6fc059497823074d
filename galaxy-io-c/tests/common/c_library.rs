//! galaxy-io's C library (`galaxy-io-c`) for tests that link C programs against it: this
//! crate's `tests/c_api.rs`, and the workspace's SAGE tests (`tests/common/`), which include this
//! file. Cargo does not build a crate's static library for its integration tests, so it is built
//! here, with the cargo running the tests, into the same target directory and profile.

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
        // galaxy-io-c's manifest: in the workspace, or this package's own when it is built on its
        // own (as `cargo package` does).
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .flat_map(|dir| [dir.join("galaxy-io-c/Cargo.toml"), dir.join("Cargo.toml")])
            .find(|manifest| {
                std::fs::read_to_string(manifest)
                    .is_ok_and(|text| text.contains("name = \"galaxy-io-c\""))
            })
            .expect("galaxy-io-c's Cargo.toml");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .arg("build")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
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
