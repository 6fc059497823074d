//! Building and running stock SAGE (sage-home/sage-model, from `GALAXY_IO_SAGE_SOURCE` or
//! fetched at the commit the tests were written against) on trees that the tests generate, so
//! that what galaxy-io writes can be compared with what SAGE itself writes.
//!
//! SAGE is built twice: stock, and with galaxy-io's HDF5 writer (`galaxy-io-c/sage/`, through
//! its make fragment, linked with `libgalaxy_io.a`), each also with MPI (`mpicc`, run under
//! `mpirun`) when a test asks. Each build lives in `<target>/sage/<name>`, shared by every test
//! binary and reused until SAGE's source (or the writer) changes. It is made in place, under a
//! file lock, because SAGE bakes its build directory into the binary (`ROOT_DIR`, where it finds
//! its cooling tables): a build made elsewhere and renamed would not find them.

use super::lhalo::Forests;
use std::fs::File;
use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How the build is made; part of the fingerprint, so that changing it rebuilds. `CI=true` as
/// in CI, so that every build has SAGE's `-Werror`.
const MAKE_ARGS: &[&str] = &["CI=true", "sage"];
/// Bumped when the recipe around `MAKE_ARGS` changes (the environment, the git shim).
const RECIPE: &str = "recipe 1";

/// The sage-model commit the tests were written against (sage-home/sage-model, 2025-09-19).
pub const SAGE_COMMIT: &str = "b8424cf1a9443f573b20b14e4bee9c9b601b7610";
/// Where it is fetched from when no copy is given.
const SAGE_REPOSITORY: &str = "https://github.com/sage-home/sage-model";
/// How long fetching it may take before the tests give up on the network.
const FETCH_TIMEOUT: Duration = Duration::from_secs(180);

/// SAGE's source: `GALAXY_IO_SAGE_SOURCE`, or else a copy at [`SAGE_COMMIT`] in the build
/// directory, fetched with git (once, for every test binary) when it is not there yet. Panics
/// with how to provide it when there is none: tests ask [`available`] first.
pub fn source_dir() -> PathBuf {
    source().clone().unwrap_or_else(|why| panic!("{why}"))
}

/// Whether SAGE's source is there to build SAGE from. When it is not, a test that needs it
/// fails under `CI=true` (CI must run it) and is otherwise skipped, with one line on the
/// terminal that says so and how to provide the source.
pub fn available() -> bool {
    let Err(why) = source() else {
        return true;
    };
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{why}");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a SAGE test")
        .to_owned();
    // Straight to the terminal: the test harness keeps what tests print to themselves, and
    // would show nothing for a test that passes.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    false
}

/// SAGE's source, looked for once per process.
fn source() -> &'static Result<PathBuf, String> {
    static SOURCE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let how = format!(
            "set GALAXY_IO_SAGE_SOURCE to a copy of sage-model at commit {} (git clone {SAGE_REPOSITORY} \
             && git -C sage-model checkout {})",
            &SAGE_COMMIT[..7],
            &SAGE_COMMIT[..7]
        );
        if let Some(given) = std::env::var_os("GALAXY_IO_SAGE_SOURCE") {
            let dir = PathBuf::from(given);
            if !is_sage_source(&dir) {
                panic!(
                    "GALAXY_IO_SAGE_SOURCE={} is not SAGE's source (no Makefile and \
                     src/core_allvars.h): {how}",
                    dir.display()
                );
            }
            return Ok(dir);
        }
        fetched().map_err(|why| {
            format!("SAGE's source is not available and could not be fetched ({why}): {how}")
        })
    })
}

fn is_sage_source(dir: &Path) -> bool {
    dir.join("Makefile").is_file() && dir.join("src/core_allvars.h").is_file()
}

/// `<target>/sage/source-<commit>`: sage-model at [`SAGE_COMMIT`], fetched with git the first
/// time (into a directory of its own, renamed into place only once it is whole).
fn fetched() -> Result<PathBuf, String> {
    let dir = cache_dir().join(format!("source-{}", &SAGE_COMMIT[..12]));
    if is_sage_source(&dir) {
        return Ok(dir);
    }
    std::fs::create_dir_all(cache_dir())
        .map_err(|e| format!("creating {}: {e}", cache_dir().display()))?;
    // Other test binaries fetch the same copy: the first one does, the others wait and use it.
    let _lock = Lock::exclusive(&dir.with_extension("lock"));
    if is_sage_source(&dir) {
        return Ok(dir);
    }
    let partial = dir.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial)
            .map_err(|e| format!("removing {}: {e}", partial.display()))?;
    }
    let git = |args: &[&str]| -> Result<(), String> {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&partial)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        run_with_timeout(&mut command, FETCH_TIMEOUT)
            .map_err(|why| format!("git {}: {why}", args[0]))
    };
    std::fs::create_dir_all(&partial)
        .map_err(|e| format!("creating {}: {e}", partial.display()))?;
    git(&["init", "--quiet"])?;
    git(&[
        "fetch",
        "--quiet",
        "--depth",
        "1",
        SAGE_REPOSITORY,
        SAGE_COMMIT,
    ])?;
    git(&["checkout", "--quiet", "FETCH_HEAD"])?;
    std::fs::rename(&partial, &dir).map_err(|e| format!("renaming {}: {e}", partial.display()))?;
    Ok(dir)
}

/// Runs `command` to its end, or kills it after `timeout`; its error output says why it failed.
fn run_with_timeout(command: &mut Command, timeout: Duration) -> Result<(), String> {
    let mut child =
        super::spawn(command).map_err(|e| format!("cannot be started ({e}); is git installed?"))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                let mut stderr = String::new();
                if let Some(mut out) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut out, &mut stderr);
                }
                let last = stderr.lines().last().unwrap_or("").trim().to_owned();
                return Err(format!("{status}: {last}"));
            }
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer in {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Which HDF5 writer a SAGE build has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// SAGE's own `src/io/save_gals_hdf5.c`.
    Stock,
    /// galaxy-io's drop-in, `galaxy-io-c/sage/save_gals_galaxy_io.c`, on the C API.
    GalaxyIo,
}

impl Writer {
    fn name(self) -> &'static str {
        match self {
            Writer::Stock => "stock",
            Writer::GalaxyIo => "galaxy-io",
        }
    }
}

/// One build of SAGE: its writer, whether its output functions are timed
/// (`galaxy-io-c/sage/output_timer.mk`, for the benchmark), and whether it is SAGE's MPI build
/// (its `USE-MPI`, which SAGE's Makefile turns on for `CC=mpicc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Build {
    pub writer: Writer,
    pub timed: bool,
    pub mpi: bool,
}

impl Build {
    /// Every writer, timed or not, with MPI or without.
    const VARIANTS: usize = 8;

    fn name(self) -> String {
        let timed = if self.timed { "-timed" } else { "" };
        let mpi = if self.mpi { "-mpi" } else { "" };
        format!("{}{timed}{mpi}", self.writer.name())
    }

    /// This build's place among the [`VARIANTS`](Self::VARIANTS).
    fn index(self) -> usize {
        4 * usize::from(self.mpi) + 2 * (self.writer as usize) + usize::from(self.timed)
    }

    fn fragment(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("galaxy-io-c/sage")
            .join(name)
    }

    /// The files of galaxy-io's that the build uses, part of its fingerprint.
    fn files(self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        if self.writer == Writer::GalaxyIo {
            files.push(Self::fragment("galaxy_io.mk"));
            files.push(Self::fragment("save_gals_galaxy_io.c"));
            files.push(Self::fragment("../include/galaxy_io.h"));
        }
        if self.timed {
            files.push(Self::fragment("output_timer.mk"));
            files.push(Self::fragment("output_timer.c"));
        }
        files
    }

    /// What `make` needs before [`MAKE_ARGS`]: the drop-in's fragment read before SAGE's
    /// Makefile with the library (of this build's profile) to link, the timer's after it.
    fn make_args(self) -> Vec<String> {
        let mut args = Vec::new();
        if self.writer == Writer::GalaxyIo {
            args.push("-f".into());
            args.push(Self::fragment("galaxy_io.mk").display().to_string());
            args.push(format!(
                "GALAXY_IO_LIB={}",
                super::c_library::static_library().display()
            ));
        }
        args.extend(["-f".into(), "Makefile".into()]);
        if self.timed {
            args.push("-f".into());
            args.push(Self::fragment("output_timer.mk").display().to_string());
        }
        if self.mpi {
            args.push("CC=mpicc".into());
        }
        args
    }
}

/// The directory of a stock SAGE build (the `sage` binary is in it). Built at most once per
/// process, and only when no build of the same source exists under the target directory.
pub fn build() -> &'static Path {
    build_with(Writer::Stock)
}

/// The directory of a SAGE build with `writer`, built as [`build`] is.
pub fn build_with(writer: Writer) -> &'static Path {
    build_of(Build {
        writer,
        timed: false,
        mpi: false,
    })
}

/// The directory of `build`. Builds with galaxy-io's writer are remade by `make` every time,
/// which relinks them when the library changed.
pub fn build_of(build: Build) -> &'static Path {
    static BUILT: [OnceLock<PathBuf>; Build::VARIANTS] =
        [const { OnceLock::new() }; Build::VARIANTS];
    let slot = &BUILT[build.index()];
    slot.get_or_init(|| build_into(&source_dir(), &cache_dir().join(build.name()), build))
}

/// `<target>/sage`: beside cargo's own output, so `cargo clean` removes it.
fn cache_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("sage")
}

fn build_into(source: &Path, dir: &Path, build: Build) -> PathBuf {
    let parent = dir.parent().expect("the build directory has a parent");
    std::fs::create_dir_all(parent)
        .unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
    let make_args = build.make_args();
    let source_fingerprint = fingerprint(source, &[]);
    let build_fingerprint = fingerprint(source, &build.files());
    // Other test binaries (and threads) build the same directory: the first one builds, the
    // others wait for it and then reuse its build.
    let _lock = Lock::exclusive(&dir.with_extension("lock"));
    let stamp = dir.join(".galaxy-io-fingerprint");
    let built = dir.join("sage").is_file()
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&build_fingerprint);
    if built && build.writer == Writer::Stock {
        return dir.to_owned();
    }
    if !built {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .unwrap_or_else(|e| panic!("removing {}: {e}", dir.display()));
        }
        copy_source(source, dir);
    }
    let mut make = Command::new("make");
    make.current_dir(dir)
        .arg(format!("-j{}", parallelism()))
        .args(&make_args)
        .args(MAKE_ARGS);
    // The source's own fingerprint, so that both writers' builds report the same reference.
    make.env("PATH", git_shim(source, dir, &source_fingerprint));
    // Debian keeps HDF5 under hdf5/serial; SAGE's Makefile looks elsewhere (with CI=true, next
    // to gsl-config), so the compiler and linker are told through their environment.
    for (variable, flag, pkg_config) in [
        ("CPATH", "-I", "--cflags-only-I"),
        ("LIBRARY_PATH", "-L", "--libs-only-L"),
    ] {
        let mut dirs = pkg_config_dirs(pkg_config, flag);
        dirs.extend(std::env::var(variable).ok().filter(|v| !v.is_empty()));
        make.env(variable, dirs.join(":"));
    }
    let output =
        super::output(&mut make).unwrap_or_else(|e| panic!("running make (is it installed?): {e}"));
    if !output.status.success() {
        panic!(
            "building SAGE in {} failed ({}):\n{}\n{}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::write(&stamp, &build_fingerprint)
        .unwrap_or_else(|e| panic!("writing {}: {e}", stamp.display()));
    dir.to_owned()
}

/// A `PATH` whose `git` answers SAGE's Makefile with a git reference.
///
/// The Makefile compiles `git show-ref --head` into the binary as `GITREF_STR`, and SAGE's HDF5
/// output writes it as the `Header/Misc/git_SHA_reference` attribute. The copy being built is
/// no git checkout (or, inside galaxy-io's repository, the wrong one), and with an empty
/// reference SAGE's HDF5 output fails at its very end (`H5Tset_size(): size must be positive`
/// for that attribute). So `git` here prints the source's own commit if it is a checkout, or
/// else a name for the source's fingerprint.
fn git_shim(source: &Path, dir: &Path, fingerprint: &str) -> String {
    let commit = Command::new("git")
        .arg("-C")
        .arg(source)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|c| !c.is_empty());
    let reference = commit.unwrap_or_else(|| format!("source-{}", &fingerprint[..16]));
    let bin = dir.with_extension("bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("creating {}: {e}", bin.display()));
    let git = bin.join("git");
    let script = format!(
        "#!/bin/sh\n# From galaxy-io's tests/common/sage.rs: SAGE's git reference.\n\
         echo '{reference} HEAD'\n"
    );
    std::fs::write(&git, script).unwrap_or_else(|e| panic!("writing {}: {e}", git.display()));
    std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", git.display()));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&path));
    std::env::join_paths(dirs)
        .expect("PATH entries without ':'")
        .to_string_lossy()
        .into_owned()
}

fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn pkg_config_dirs(option: &str, flag: &str) -> Vec<String> {
    Command::new("pkg-config")
        .args([option, "hdf5"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .filter_map(|word| word.strip_prefix(flag).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Objects and binaries a developer's checkout may hold: never copied or fingerprinted, or make
/// would take stale objects (copies are newer than their sources) as up to date.
fn is_build_product(relative: &Path) -> bool {
    let name = relative.file_name().and_then(|n| n.to_str()).unwrap_or("");
    relative.starts_with(".git")
        || [".o", ".so", ".a", ".pyc"]
            .iter()
            .any(|ext| name.ends_with(ext))
        || relative == Path::new("sage")
}

/// Source files (relative paths) in a fixed order.
fn source_files(source: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, relative: &Path, files: &mut Vec<PathBuf>) {
        let dir = root.join(relative);
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()));
            let path = relative.join(entry.file_name());
            if is_build_product(&path) {
                continue;
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, files);
            } else {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(source, Path::new(""), &mut files);
    files.sort();
    files
}

/// FNV-1a over the build recipe, every source file's path and contents, and `extra` files'.
fn fingerprint(source: &Path, extra: &[PathBuf]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(RECIPE.as_bytes());
    eat(MAKE_ARGS.join(" ").as_bytes());
    let files = source_files(source);
    for path in extra {
        let contents =
            std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        eat(path.to_string_lossy().as_bytes());
        eat(&contents);
    }
    for relative in &files {
        let path = source.join(relative);
        let contents =
            std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        eat(relative.to_string_lossy().as_bytes());
        eat(&(contents.len() as u64).to_le_bytes());
        eat(&contents);
    }
    format!(
        "{hash:016x} {} files from {}\n",
        files.len(),
        source.display()
    )
}

/// Copies the source with write permission (the shared copy is read-only).
fn copy_source(source: &Path, dir: &Path) {
    for relative in source_files(source) {
        let (from, to) = (source.join(&relative), dir.join(&relative));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
        }
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
        let mut permissions = std::fs::metadata(&to).expect("a copied file").permissions();
        #[allow(clippy::permissions_set_readonly_false)] // only the owner's bit, on a private copy
        permissions.set_readonly(false);
        std::fs::set_permissions(&to, permissions)
            .unwrap_or_else(|e| panic!("chmod {}: {e}", to.display()));
    }
}

/// An exclusive `flock` on a file, held until dropped (or the process dies).
struct Lock(File);

impl Lock {
    fn exclusive(path: &Path) -> Lock {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .unwrap_or_else(|e| panic!("opening the lock {}: {e}", path.display()));
        loop {
            // SAFETY: flock only reads the descriptor, which `file` keeps open.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Lock(file);
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                panic!("locking {}: {error}", path.display());
            }
        }
    }
}

/// SAGE's `OutputFormat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `sage_binary`: one file `<name>_z<redshift>_<task>` per output snapshot.
    Binary,
    /// `sage_hdf5`: `<name>_<task>.hdf5`, and the master file `<name>.hdf5` linking them.
    Hdf5,
}

impl OutputFormat {
    fn parameter(self) -> &'static str {
        match self {
            OutputFormat::Binary => "sage_binary",
            OutputFormat::Hdf5 => "sage_hdf5",
        }
    }
}

/// One SAGE run on generated trees: the parameter file's choices that tests vary. Everything
/// else is `input/millennium.par`'s (Millennium cosmology, the default recipes).
#[derive(Clone, Debug)]
pub struct Run {
    pub trees: Forests,
    pub format: OutputFormat,
    /// `OutputDir` (created by [`execute`](Self::execute)).
    pub output_dir: PathBuf,
    /// `FileNameGalaxies`.
    pub name: String,
    /// The output snapshots (the `->` line), or `None` for all (`NumOutputs -1`).
    pub outputs: Option<Vec<u32>>,
    /// `FirstFile`, `LastFile`.
    pub files: (u32, u32),
    /// `NumSimulationTreeFiles`.
    pub num_tree_files: u32,
    /// The build that runs: SAGE's own HDF5 writer or galaxy-io's, timed or not, with MPI or
    /// without.
    pub build: Build,
    /// The MPI build's number of ranks (`mpirun -np`).
    pub ranks: u32,
    /// Variables set in SAGE's environment (galaxy-io's drop-in reads `GALAXY_IO_BACKGROUND`
    /// and `GALAXY_IO_DURABILITY`).
    pub env: Vec<(String, String)>,
}

/// What a run wrote.
#[derive(Clone, Debug)]
pub struct SageOutput {
    /// Galaxy files: the binary files sorted by name, or the HDF5 file of each task.
    pub files: Vec<PathBuf>,
    /// The HDF5 master file.
    pub master: Option<PathBuf>,
    /// SAGE's stdout and stderr.
    pub log: String,
}

impl Run {
    /// All the trees' files, every snapshot output, galaxies named `model`.
    pub fn new(trees: &Forests, format: OutputFormat, output_dir: impl Into<PathBuf>) -> Run {
        let files = trees.trees_per_file.len() as u32;
        Run {
            trees: trees.clone(),
            format,
            output_dir: output_dir.into(),
            name: "model".into(),
            outputs: None,
            files: (0, files.saturating_sub(1)),
            num_tree_files: files,
            build: Build {
                writer: Writer::Stock,
                timed: false,
                mpi: false,
            },
            ranks: 1,
            env: Vec::new(),
        }
    }

    /// Runs the SAGE built with `writer`.
    pub fn writer(mut self, writer: Writer) -> Run {
        self.build.writer = writer;
        self
    }

    /// Runs the build whose output functions are timed (it prints `output_timer: ...`).
    pub fn timed(mut self, timed: bool) -> Run {
        self.build.timed = timed;
        self
    }

    /// Runs the MPI build on `ranks` ranks, under `mpirun`.
    pub fn mpi(mut self, ranks: u32) -> Run {
        self.build.mpi = true;
        self.ranks = ranks;
        self
    }

    /// Sets `name` to `value` in SAGE's environment.
    pub fn env(mut self, name: &str, value: &str) -> Run {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Only these output snapshots (SAGE sorts them, highest first).
    pub fn outputs(mut self, snapshots: &[u32]) -> Run {
        self.outputs = Some(snapshots.to_vec());
        self
    }

    /// The parameter file: the trees' run ([`Forests::parameters`]) with this run's choices.
    pub fn parameter_file(&self) -> String {
        let mut parameters = self.trees.parameters(&self.output_dir);
        parameters.file_name_galaxies = self.name.clone();
        parameters.first_file = self.files.0 as i32;
        parameters.last_file = self.files.1 as i32;
        parameters.num_simulation_tree_files = self.num_tree_files as i32;
        parameters.output_format = self.format.parameter().into();
        if let Some(snapshots) = &self.outputs {
            parameters.num_outputs = snapshots.len() as i32;
            parameters.output_snapshots = snapshots.clone();
        }
        format!("% Written by galaxy-io's test harness (tests/common/sage.rs).\n{parameters}")
    }

    /// Writes `<output_dir>/sage.par` and runs SAGE on it, from its build directory. Panics
    /// with SAGE's output if it fails.
    pub fn execute(&self) -> SageOutput {
        let dir = &self.output_dir;
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let par = dir.join("sage.par");
        let parameters = self.parameter_file();
        std::fs::write(&par, &parameters)
            .unwrap_or_else(|e| panic!("writing {}: {e}", par.display()));
        let build = build_of(self.build);
        let sage = build.join("sage");
        let mut command = if self.build.mpi {
            let mut mpirun = Command::new("mpirun");
            mpirun.args(["-np", &self.ranks.to_string()]).arg(&sage);
            // As root, on one machine, more ranks than cores.
            mpirun
                .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
                .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
                .env("OMPI_MCA_btl", "self,vader")
                .env("OMPI_MCA_rmaps_base_oversubscribe", "1");
            mpirun
        } else {
            Command::new(&sage)
        };
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        let output = super::output(command.arg(&par).current_dir(build))
            .unwrap_or_else(|e| panic!("starting {}: {e}", sage.display()));
        let log = format!(
            "--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            panic!("SAGE failed ({}) on\n{parameters}\n{log}", output.status);
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let Some(rest) = name.strip_prefix(&format!("{}_", self.name)) else {
                    return false;
                };
                match self.format {
                    OutputFormat::Binary => rest.starts_with('z'),
                    OutputFormat::Hdf5 => rest
                        .strip_suffix(".hdf5")
                        .is_some_and(|task| task.parse::<u32>().is_ok()),
                }
            })
            .collect();
        files.sort();
        let master = dir.join(format!("{}.hdf5", self.name));
        let master = (self.format == OutputFormat::Hdf5 && master.is_file()).then_some(master);
        if files.is_empty() {
            panic!("SAGE wrote no galaxy files into {}:\n{log}", dir.display());
        }
        SageOutput { files, master, log }
    }
}
