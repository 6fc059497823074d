//! SAGE's run parameters, read from its parameter file as `core_read_parameter_file.c` reads it:
//! `Key Value` lines, comments after `%`, `;` or `#`, keys in any case, and the output
//! snapshots on the line that starts with `->`. Unlike SAGE, a value that is not a number where
//! a number belongs is an error (SAGE's `atoi` would read it as 0).

use crate::error::{Error, Result};
use crate::hdf5::{AttrValue, Cosmology, Header, HeaderGroup};
use std::path::{Path, PathBuf};

/// SAGE's `ABSOLUTEMAXSNAPS`: the most snapshots a simulation may have.
pub const MAX_SNAPSHOTS: usize = 1000;

/// SAGE's galaxy ID scheme for LHaloTree input: `GalaxyIndex = galaxy number + tree *
/// ForestNr_Mulfac + file * FileNr_Mulfac` (`read_tree_lhalo_binary.c`).
pub const FILE_NR_MULFAC: i64 = 1_000_000_000_000_000;
/// See [`FILE_NR_MULFAC`].
pub const FOREST_NR_MULFAC: i64 = 1_000_000_000;

macro_rules! parameters {
    ($( $(#[doc = $doc:literal])* $tag:literal => $field:ident: $kind:ident $(, $group:ident $name:literal)?; )*) => {
        /// One run's parameters, typed, as SAGE's parameter file gives them.
        ///
        /// ```
        /// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/millennium.par"))?;
        /// let parameters = galaxy_io::sage::Parameters::parse(&text, "millennium.par".as_ref())?;
        /// assert_eq!(parameters.box_size, 62.5);
        /// assert_eq!(parameters.output_snapshots, [63, 37, 32, 27, 23, 20, 18, 16]);
        /// assert_eq!(parameters.output_dir, "output/millennium/", "SAGE adds the final '/'");
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct Parameters {
            $( $(#[doc = $doc])* pub $field: parameters!(@type $kind), )*
            /// The output snapshots, in descending order as SAGE sorts them (`NumOutputs -1`
            /// means every snapshot).
            pub output_snapshots: Vec<u32>,
        }

        /// The keys SAGE reads, in its order, with what their values must be.
        const KEYS: &[(&str, &str)] = &[$(($tag, parameters!(@kind $kind))),*];

        impl Parameters {
            fn from_values(values: &mut Values) -> Result<Parameters> {
                Ok(Parameters {
                    $( $field: values.take($tag, parameters!(@parse $kind))?, )*
                    output_snapshots: Vec::new(),
                })
            }

            /// Every parameter as its key and its value's text, in SAGE's order.
            fn entries(&self) -> Vec<(&'static str, String)> {
                vec![$(($tag, parameters!(@text $kind, &self.$field))),*]
            }

            /// The parameters SAGE writes into `Header/Simulation` and `Header/Runtime`, with
            /// its names and HDF5 types.
            fn header_values(&self) -> Vec<(HeaderGroup, &'static str, AttrValue)> {
                vec![$( $( (HeaderGroup::$group, $name, parameters!(@value $kind, &self.$field)), )? )*]
            }
        }
    };
    (@kind text) => { "text" };
    (@kind int) => { "an integer" };
    (@kind float) => { "a number" };
    (@type text) => { String };
    (@type int) => { i32 };
    (@type float) => { f64 };
    (@parse text) => { |v: &str| Some(v.to_owned()) };
    (@parse int) => { |v: &str| v.parse::<i32>().ok() };
    (@parse float) => { |v: &str| v.parse::<f64>().ok() };
    // Floats as `{:?}` writes them: `1e51`, `0.25`, `100000.0`, which SAGE's `atof` reads back
    // exactly.
    (@text text, $v:expr) => { $v.clone() };
    (@text int, $v:expr) => { $v.to_string() };
    (@text float, $v:expr) => { format!("{:?}", $v) };
    (@value text, $v:expr) => { AttrValue::Text($v.clone()) };
    (@value int, $v:expr) => { AttrValue::I32(*$v) };
    (@value float, $v:expr) => { AttrValue::F64(*$v) };
}

parameters! {
    /// `FileNameGalaxies`: the galaxy files' name, before `_z<redshift>_<task>`.
    "FileNameGalaxies" => file_name_galaxies: text, Runtime "FileNameGalaxies";
    /// `OutputDir`, ending in `/` (SAGE adds it).
    "OutputDir" => output_dir: text, Runtime "OutputDir";
    /// `TreeType` (`lhalo_binary`, ...).
    "TreeType" => tree_type: text;
    /// `TreeName`: tree files are `<SimulationDir>/<TreeName>.<n>`.
    "TreeName" => tree_name: text;
    /// `SimulationDir`.
    "SimulationDir" => simulation_dir: text, Simulation "SimulationDir";
    /// `FileWithSnapList`: the expansion factor of every snapshot.
    "FileWithSnapList" => file_with_snap_list: text, Simulation "FileWithSnapList";
    /// `LastSnapshotNr`.
    "LastSnapshotNr" => last_snapshot_nr: int, Simulation "LastSnapshotNr";
    /// `FirstFile`: the first tree file processed.
    "FirstFile" => first_file: int, Runtime "FirstFile";
    /// `LastFile`: the last tree file processed.
    "LastFile" => last_file: int, Runtime "LastFile";
    /// `NumSimulationTreeFiles`: the tree files the simulation has in all.
    "NumSimulationTreeFiles" => num_simulation_tree_files: int, Simulation "num_simulation_tree_files";
    /// `ThreshMajorMerger`.
    "ThreshMajorMerger" => thresh_major_merger: float, Runtime "ThreshMajorMerger";
    /// `RecycleFraction`.
    "RecycleFraction" => recycle_fraction: float, Runtime "RecycleFraction";
    /// `ReIncorporationFactor`.
    "ReIncorporationFactor" => reincorporation_factor: float, Runtime "ReIncorporationFactor";
    /// `UnitVelocity_in_cm_per_s`.
    "UnitVelocity_in_cm_per_s" => unit_velocity_in_cm_per_s: float, Runtime "UnitVelocity_in_cm_per_s";
    /// `UnitLength_in_cm`.
    "UnitLength_in_cm" => unit_length_in_cm: float, Runtime "UnitLength_in_cm";
    /// `UnitMass_in_g`.
    "UnitMass_in_g" => unit_mass_in_g: float, Runtime "UnitMass_in_g";
    /// `Hubble_h`.
    "Hubble_h" => hubble_h: float, Simulation "hubble_h";
    /// `ReionizationOn`.
    "ReionizationOn" => reionization_on: int, Runtime "ReionizationOn";
    /// `SupernovaRecipeOn`.
    "SupernovaRecipeOn" => supernova_recipe_on: int, Runtime "SupernovaRecipeOn";
    /// `DiskInstabilityOn`.
    "DiskInstabilityOn" => disk_instability_on: int, Runtime "DiskInstabilityOn";
    /// `SFprescription`.
    "SFprescription" => sf_prescription: int, Runtime "SFprescription";
    /// `AGNrecipeOn`.
    "AGNrecipeOn" => agn_recipe_on: int, Runtime "AGNrecipeOn";
    /// `BaryonFrac` (SAGE does not write it into the header).
    "BaryonFrac" => baryon_frac: float;
    /// `Omega`.
    "Omega" => omega: float, Simulation "omega_matter";
    /// `OmegaLambda`.
    "OmegaLambda" => omega_lambda: float, Simulation "omega_lambda";
    /// `PartMass`, in 1e10 Msun/h.
    "PartMass" => part_mass: float, Simulation "particle_mass";
    /// `BoxSize`, in Mpc/h.
    "BoxSize" => box_size: float, Simulation "box_size";
    /// `EnergySN`.
    "EnergySN" => energy_sn: float, Runtime "EnergySN";
    /// `EtaSN`.
    "EtaSN" => eta_sn: float, Runtime "EtaSN";
    /// `Yield`.
    "Yield" => yield_fraction: float, Runtime "Yield";
    /// `FracZleaveDisk`.
    "FracZleaveDisk" => frac_z_leave_disk: float, Runtime "FracZleaveDisk";
    /// `SfrEfficiency`.
    "SfrEfficiency" => sfr_efficiency: float, Runtime "SfrEfficiency";
    /// `FeedbackReheatingEpsilon`.
    "FeedbackReheatingEpsilon" => feedback_reheating_epsilon: float, Runtime "FeedbackReheatingEpsilon";
    /// `FeedbackEjectionEfficiency`.
    "FeedbackEjectionEfficiency" => feedback_ejection_efficiency: float, Runtime "FeedbackEjectionEfficiency";
    /// `BlackHoleGrowthRate`.
    "BlackHoleGrowthRate" => black_hole_growth_rate: float, Runtime "BlackHoleGrowthRate";
    /// `RadioModeEfficiency`.
    "RadioModeEfficiency" => radio_mode_efficiency: float, Runtime "RadioModeEfficiency";
    /// `QuasarModeEfficiency`.
    "QuasarModeEfficiency" => quasar_mode_efficiency: float, Runtime "QuasarModeEfficiency";
    /// `Reionization_z0`.
    "Reionization_z0" => reionization_z0: float, Runtime "Reionization_z0";
    /// `Reionization_zr`.
    "Reionization_zr" => reionization_zr: float, Runtime "Reionization_zr";
    /// `ThresholdSatDisruption`.
    "ThresholdSatDisruption" => threshold_sat_disruption: float, Runtime "ThresholdSatDisruption";
    /// `NumOutputs` as given: the number of output snapshots, or -1 for all of them.
    "NumOutputs" => num_outputs: int;
    /// `OutputFormat` (`sage_binary`, `sage_hdf5`, ...).
    "OutputFormat" => output_format: text;
    /// `ForestDistributionScheme`: how forests are shared over MPI tasks.
    "ForestDistributionScheme" => forest_distribution_scheme: text;
    /// `ExponentForestDistributionScheme`.
    "ExponentForestDistributionScheme" => exponent_forest_distribution_scheme: float;
}

/// The values of a parameter file by key, each with its line, until taken.
struct Values {
    file: PathBuf,
    found: Vec<(String, String, usize)>,
}

impl Values {
    fn take<T>(&mut self, key: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
        let index = self
            .found
            .iter()
            .position(|(k, _, _)| k.eq_ignore_ascii_case(key))
            .ok_or_else(|| self.bad(format!("has no value for `{key}`")))?;
        let (_, value, line) = self.found.remove(index);
        parse(&value).ok_or_else(|| {
            self.bad(format!(
                "line {line}: `{key}` must be {}, not `{value}`",
                kind_of(key)
            ))
        })
    }

    fn bad(&self, problem: String) -> Error {
        Error::BadFile {
            path: self.file.clone(),
            problem,
        }
    }
}

fn kind_of(key: &str) -> &'static str {
    KEYS.iter()
        .find(|(k, _)| *k == key)
        .map_or("a value", |(_, kind)| kind)
}

const TREE_TYPES: [&str; 6] = [
    "lhalo_hdf5",
    "lhalo_binary",
    "genesis_hdf5",
    "consistent_trees_ascii",
    "consistent_trees_hdf5",
    "gadget4_hdf5",
];
const OUTPUT_FORMATS: [&str; 3] = ["sage_binary", "sage_hdf5", "lhalo_binary_output"];
const FOREST_SCHEMES: [&str; 5] = [
    "uniform_in_forests",
    "linear_in_nhalos",
    "quadratic_in_nhalos",
    "exponent_in_nhalos",
    "generic_power_in_nhalos",
];

/// sage-model's `input/millennium.par` (its recipes, the Millennium simulation's cosmology and
/// tree files), with its 8 output snapshots listed: `Parameters::millennium`'s values.
const MILLENNIUM_PAR: &str = include_str!("../../tests/data/millennium.par");

impl Parameters {
    /// The parameters of sage-model's `input/millennium.par`: SAGE's default recipes and
    /// parameters on the Millennium simulation's trees (`trees_063.0` to `.7`), its output
    /// snapshots 63, 37, 32, 27, 23, 20, 18 and 16. Start from them and change what a run
    /// changes.
    ///
    /// ```
    /// let parameters = galaxy_io::sage::Parameters::millennium();
    /// assert_eq!(parameters.hubble_h, 0.73);
    /// assert_eq!(parameters.output_snapshots, [63, 37, 32, 27, 23, 20, 18, 16]);
    /// ```
    pub fn millennium() -> Parameters {
        // The text is part of the library and parses (a unit test checks it).
        Parameters::parse(MILLENNIUM_PAR, Path::new("millennium.par"))
            .expect("the library's own millennium.par parses")
    }

    /// Reads a parameter file.
    pub fn read(path: impl AsRef<Path>) -> Result<Parameters> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
        Parameters::parse(&text, path)
    }

    /// Parses the text of a parameter file; `path` names it in errors. Every key SAGE needs
    /// must be there once, and no other.
    pub fn parse(text: &str, path: &Path) -> Result<Parameters> {
        let bad = |problem: String| Error::BadFile {
            path: path.to_owned(),
            problem,
        };
        let mut found: Vec<(String, String, usize)> = Vec::new();
        let mut snapshot_line = None;
        for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
            let line = line.trim_start();
            let Some((key, rest)) = line.split_once(char::is_whitespace) else {
                continue;
            };
            if key.starts_with('%') {
                continue;
            }
            if key.starts_with('-') {
                if key == "->" && snapshot_line.is_none() {
                    snapshot_line = Some((rest.to_owned(), number));
                }
                continue;
            }
            let value = rest
                .split(['%', ';', '#'])
                .next()
                .unwrap_or_default()
                .trim();
            if value.is_empty() {
                continue;
            }
            if !KEYS.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Err(bad(format!(
                    "line {number}: `{key}` is not a SAGE parameter"
                )));
            }
            if let Some((_, _, first)) = found.iter().find(|(k, _, _)| k.eq_ignore_ascii_case(key))
            {
                return Err(bad(format!(
                    "line {number}: `{key}` is given twice (also on line {first})"
                )));
            }
            found.push((key.to_owned(), value.to_owned(), number));
        }
        let missing: Vec<&str> = KEYS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| !found.iter().any(|(f, _, _)| f.eq_ignore_ascii_case(k)))
            .collect();
        if !missing.is_empty() {
            return Err(bad(format!("has no value for {}", missing.join(", "))));
        }
        let mut values = Values {
            file: path.to_owned(),
            found,
        };
        let mut parameters = Parameters::from_values(&mut values)?;
        if !parameters.output_dir.is_empty() && !parameters.output_dir.ends_with('/') {
            parameters.output_dir.push('/');
        }
        let snapshots = parameters.last_snapshot_nr + 1;
        if !(1..MAX_SNAPSHOTS as i32).contains(&snapshots) {
            return Err(bad(format!(
                "LastSnapshotNr = {} should be in [0, {})",
                parameters.last_snapshot_nr,
                MAX_SNAPSHOTS - 1
            )));
        }
        parameters.output_snapshots = match parameters.num_outputs {
            -1 => (0..snapshots as u32).collect(),
            n if n > 0 && n as usize <= MAX_SNAPSHOTS => {
                let (line, number) = snapshot_line.ok_or_else(|| {
                    bad(format!(
                        "NumOutputs is {n} but no line starts with `->` to list the snapshots"
                    ))
                })?;
                let listed: Vec<u32> = line
                    .split_whitespace()
                    .take(n as usize)
                    .map(|word| {
                        word.parse::<u32>().map_err(|_| {
                            bad(format!("line {number}: `{word}` is not a snapshot number"))
                        })
                    })
                    .collect::<Result<_>>()?;
                if listed.len() != n as usize {
                    return Err(bad(format!(
                        "line {number}: NumOutputs is {n} but {} snapshots are listed",
                        listed.len()
                    )));
                }
                listed
            }
            n => {
                return Err(bad(format!(
                    "NumOutputs must be -1 or between 1 and {MAX_SNAPSHOTS}, not {n}"
                )))
            }
        };
        parameters
            .output_snapshots
            .sort_unstable_by(|a, b| b.cmp(a));
        if let Some(pair) = parameters
            .output_snapshots
            .windows(2)
            .find(|p| p[0] == p[1])
        {
            return Err(bad(format!(
                "snapshot {} is listed twice for output",
                pair[0]
            )));
        }
        if let Some(&too_late) = parameters
            .output_snapshots
            .iter()
            .find(|&&s| s as i32 > parameters.last_snapshot_nr)
        {
            return Err(bad(format!(
                "output snapshot {too_late} is after LastSnapshotNr = {}",
                parameters.last_snapshot_nr
            )));
        }
        if parameters.first_file < 0
            || parameters.last_file < parameters.first_file
            || parameters.num_simulation_tree_files <= parameters.last_file
        {
            return Err(bad(format!(
                "FirstFile = {}, LastFile = {} and NumSimulationTreeFiles = {} do not describe \
                 tree files 0 <= FirstFile <= LastFile < NumSimulationTreeFiles",
                parameters.first_file, parameters.last_file, parameters.num_simulation_tree_files
            )));
        }
        for (key, value, allowed) in [
            ("TreeType", &parameters.tree_type, &TREE_TYPES[..]),
            (
                "OutputFormat",
                &parameters.output_format,
                &OUTPUT_FORMATS[..],
            ),
            (
                "ForestDistributionScheme",
                &parameters.forest_distribution_scheme,
                &FOREST_SCHEMES[..],
            ),
        ] {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(value)) {
                return Err(bad(format!(
                    "{key} `{value}` is not one of {}",
                    allowed.join(", ")
                )));
            }
        }
        Ok(parameters)
    }

    /// `SimMaxSnaps`: the snapshots of the simulation.
    pub fn sim_max_snaps(&self) -> usize {
        (self.last_snapshot_nr + 1) as usize
    }

    /// The simulation's cosmology and box.
    pub fn cosmology(&self) -> Cosmology {
        Cosmology {
            hubble_h: self.hubble_h,
            box_size: self.box_size,
            omega_matter: self.omega,
            omega_lambda: self.omega_lambda,
            particle_mass: self.part_mass,
        }
    }

    /// The fraction of the simulation's volume in tree files `FirstFile..=LastFile`: what a
    /// run that processed all of them covers.
    pub fn volume_fraction(&self) -> f64 {
        f64::from(self.last_file - self.first_file + 1) / f64::from(self.num_simulation_tree_files)
    }

    /// The snapshot list file, found as SAGE finds it (from the working directory), or else
    /// next to the parameter file `parameter_file`.
    pub fn snap_list_path(&self, parameter_file: &Path) -> PathBuf {
        let named = PathBuf::from(&self.file_with_snap_list);
        match parameter_file.parent() {
            Some(directory) if named.is_relative() && !named.exists() => directory.join(named),
            _ => named,
        }
    }

    /// The header SAGE writes for this run into a file of `cores` cores: every parameter SAGE
    /// writes, with its name and type, the cosmology, `NumOutputs`, `SimMaxSnaps`, the redshift
    /// of every snapshot (`redshifts`, from the snapshot list) and the ID scheme of LHaloTree
    /// input. The volume fraction, and what else depends on what one output holds, is the
    /// caller's to set.
    pub fn header(&self, redshifts: &[f64], cores: u32) -> Header {
        let mut header = Header::default();
        header.set_cosmology(&self.cosmology());
        for (group, name, value) in self.header_values() {
            header.set(group, name, value);
        }
        let simulation = HeaderGroup::Simulation;
        header.set(
            simulation,
            "SimMaxSnaps",
            AttrValue::I32(self.sim_max_snaps() as i32),
        );
        header.set(
            HeaderGroup::Runtime,
            "NumOutputs",
            AttrValue::I32(self.output_snapshots.len() as i32),
        );
        header.set(HeaderGroup::Misc, "num_cores", AttrValue::I32(cores as i32));
        header.set(
            HeaderGroup::TreeInfo,
            "FileNr_Mulfac",
            AttrValue::I64(FILE_NR_MULFAC),
        );
        header.set(
            HeaderGroup::TreeInfo,
            "ForestNr_Mulfac",
            AttrValue::I64(FOREST_NR_MULFAC),
        );
        header.snapshot_redshifts = redshifts.to_vec();
        header
    }
}

/// The parameter file SAGE reads: every key with its value, in SAGE's order, and the output
/// snapshots after `->` when `NumOutputs` lists them. [`Parameters::parse`] reads it back as it
/// was.
///
/// ```
/// use galaxy_io::sage::Parameters;
/// let mut parameters = Parameters::millennium();
/// parameters.output_dir = "/runs/a/".into();
/// let text = parameters.to_string();
/// assert!(text.contains("OutputDir                    /runs/a/\n"));
/// assert!(text.ends_with("-> 63 37 32 27 23 20 18 16\n"));
/// assert_eq!(Parameters::parse(&text, "a.par".as_ref())?, parameters);
/// # Ok::<(), galaxy_io::Error>(())
/// ```
impl std::fmt::Display for Parameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (key, value) in self.entries() {
            writeln!(f, "{key:<28} {value}")?;
        }
        if self.num_outputs > 0 {
            let snapshots: Vec<String> = self.output_snapshots.iter().map(u32::to_string).collect();
            writeln!(f, "-> {}", snapshots.join(" "))?;
        }
        Ok(())
    }
}

/// Redshifts from SAGE's snapshot list (`FileWithSnapList`): one expansion factor per snapshot,
/// snapshot 0 first, at most `snapshots` of them read (SAGE reads up to `SimMaxSnaps`).
pub fn read_snap_list(path: &Path, snapshots: usize) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
    text.split_whitespace()
        .take(snapshots)
        .map(|word| match word.parse::<f64>() {
            Ok(a) if a > 0.0 && a.is_finite() => Ok(1.0 / a - 1.0),
            _ => Err(Error::BadFile {
                path: path.to_owned(),
                problem: format!("`{word}` is not an expansion factor"),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millennium() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/millennium.par"
        ))
        .unwrap()
    }

    #[test]
    fn the_millennium_parameters_are_sage_models_and_write_back_as_they_read() {
        let parameters = Parameters::millennium();
        assert_eq!(parameters.energy_sn, 1.0e51);
        assert_eq!(parameters.unit_length_in_cm, 3.08568e24);
        let text = parameters.to_string();
        assert!(
            text.contains("EnergySN                     1e51\n"),
            "{text}"
        );
        assert_eq!(
            Parameters::parse(&text, Path::new("m.par")).unwrap(),
            parameters
        );
        let mut all = parameters;
        all.num_outputs = -1;
        all.output_snapshots = (0..64).rev().collect();
        let text = all.to_string();
        assert!(!text.contains("->"), "{text}");
        assert_eq!(Parameters::parse(&text, Path::new("m.par")).unwrap(), all);
    }

    #[test]
    fn reads_what_sage_reads() {
        let text = millennium().replace("Hubble_h        0.73", "hubble_H 0.73 ; a comment");
        let parameters = Parameters::parse(&text, Path::new("m.par")).unwrap();
        assert_eq!(
            parameters.hubble_h, 0.73,
            "keys in any case, comments after `;`"
        );
        assert_eq!(parameters.energy_sn, 1.0e51);
        assert_eq!(parameters.file_name_galaxies, "model");
        assert_eq!(parameters.volume_fraction(), 1.0);
        let header = parameters.header(&[0.0; 64], 2);
        assert_eq!(
            header.get(HeaderGroup::Runtime, "EtaSN"),
            Some(&AttrValue::F64(5.0e-3))
        );
        assert_eq!(
            header.get(HeaderGroup::Simulation, "SimMaxSnaps"),
            Some(&AttrValue::I32(64))
        );
        assert_eq!(
            header.get(HeaderGroup::Misc, "num_cores"),
            Some(&AttrValue::I32(2))
        );
        let all = Parameters::parse(
            &millennium().replace("NumOutputs        8", "NumOutputs -1"),
            Path::new("m.par"),
        )
        .unwrap();
        assert_eq!(all.output_snapshots.len(), 64);
        assert_eq!(
            all.output_snapshots[0], 63,
            "descending, as SAGE sorts them"
        );
    }

    #[test]
    fn mistakes_are_errors_that_name_the_line() {
        let cases = [
            (
                "Hubble_h        0.73",
                "Hubble_h abc",
                "line 26: `Hubble_h` must be a number, not `abc`",
            ),
            (
                "Omega           0.25",
                "Omega 0.25\nOmega 0.3",
                "`Omega` is given twice (also on line",
            ),
            (
                "Omega           0.25",
                "Omga 0.25",
                "`Omga` is not a SAGE parameter",
            ),
            ("Omega           0.25", "", "has no value for Omega"),
            (
                "-> 63 37 32 27 23 20 18 16",
                "-> 63 37 32",
                "NumOutputs is 8 but 3 snapshots are listed",
            ),
            (
                "-> 63 37 32 27 23 20 18 16",
                "-> 63 63 32 27 23 20 18 16",
                "snapshot 63 is listed twice",
            ),
            (
                "LastFile          7",
                "LastFile 9",
                "do not describe tree files",
            ),
            (
                "TreeType              lhalo_binary",
                "TreeType lhalo",
                "TreeType `lhalo` is not one of",
            ),
        ];
        for (from, to, expected) in cases {
            let text = millennium();
            assert!(text.contains(from), "{from}");
            let error = Parameters::parse(&text.replace(from, to), Path::new("m.par")).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
    }
}
