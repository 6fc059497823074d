//! [`SageGalaxy`] has the memory layout of SAGE's `struct GALAXY_OUTPUT` (the record of its binary
//! output, 232 bytes) and writes the 54 datasets of SAGE's HDF5 output with SAGE's names, units
//! and descriptions (`Posx/Posy/Posz`, `IntraClusterStars`, `DiskRadius`, ...), so files written
//! with it open unchanged in sage-model's own analysis code. The `Units` and `Description` texts
//! are SAGE's, word for word (`generate_field_metadata` in `save_gals_hdf5.c`, spelling
//! included, as readers may compare them); the doc comments say what the fields are.
//!
//! The machine-readable `units` (`units = "..."`, checked at compile time) are what the values
//! are, audited against SAGE's `prepare_galaxy_for_output` and its models, for SAGE's standard
//! code units (`UnitLength_in_cm` a Mpc/h, `UnitMass_in_g` 1e10 Msun/h, km/s). Where SAGE's text
//! says otherwise, the text stays (`units_text`) and the declaration is right:
//!
//! - `dT`, `TimeOfLastMajorMerger`, `TimeOfLastMinorMerger` are code times times
//!   `UnitTime_in_Megayears`; SAGE's times carry its `h` (its Hubble constant is 100 in code
//!   units), so they are in Myr/h, not the "Myr" of the text.
//! - `SfrDiskZ`, `SfrBulgeZ` are metallicities (metal mass over gas mass), not "Msun/yr".
//! - `Cooling`, `Heating` hold log10 of erg/s (0 where there was none), not erg/s.
//! - `infallMvir` is a mass in 1.0e10 Msun/h, not "1.0e10 Msun/yr".
//! - `Spin` is a specific angular momentum in (Mpc/h) km/s; the text drops the `h`.
//! - Positions are comoving; `Rvir` and `DiskRadius` are physical (from the critical density at
//!   the snapshot's redshift), velocities peculiar and physical, rates (`SfrDisk`, `SfrBulge`,
//!   `OutflowRate`) h-free Msun/yr (mass and time both carry 1/h).

use crate::GalaxyRecord;

/// One galaxy as SAGE outputs it.
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Schema};
/// let schema = Schema::of::<SageGalaxy>().unwrap();
/// assert_eq!(schema.fields().len(), 54);
/// assert_eq!(schema.record_size(), 232);
/// assert_eq!(schema.field("StellarMass").unwrap().units, "1.0e10 Msun/h");
/// // SAGE's text, and what the values are: positions in comoving Mpc/h.
/// let posx = schema.field("Posx").unwrap().unit.clone().unwrap();
/// assert_eq!((posx.symbol(), posx.is_comoving()), ("Mpc", true));
/// ```
/// It also derives `hdf5::H5Type`, for writing it as an HDF5 compound type (one dataset of
/// records) where that is wanted.
#[derive(Clone, Copy, Debug, Default, PartialEq, GalaxyRecord, hdf5::H5Type)]
#[repr(C)]
pub struct SageGalaxy {
    /// Snapshot the galaxy is located at.
    #[galaxy(
        name = "SnapNum",
        units = "Unitless",
        description = "Snapshot the galaxy is located at."
    )]
    pub snap_num: i32,
    /// 0: Central galaxy of the main FoF halo. 1: Central of a sub-halo. 2: Orphan galaxy that will
    /// merge within the current timestep.
    #[galaxy(
        name = "Type",
        units = "Unitless",
        description = "0: Central galaxy of the main FoF halo. 1: Central of a sub-halo. 2: Orphan galaxy that will merge within the current timestep."
    )]
    pub galaxy_type: i32,
    /// Galaxy ID, unique across all trees and files. Calculated as local galaxy number + tree
    /// number * factor + file number * factor.
    #[galaxy(
        key,
        name = "GalaxyIndex",
        units = "Unitless",
        description = "Galaxy ID, unique across all trees and files. Calculated as local galaxy number + tree number * factor + file number * factor "
    )]
    pub galaxy_index: i64,
    /// GalaxyIndex of the central galaxy within this galaxy's FoF group. Calculated the same as
    /// 'GalaxyIndex'.
    #[galaxy(
        name = "CentralGalaxyIndex",
        units = "Unitless",
        description = "GalaxyIndex of the central galaxy within this galaxy's FoF group.  Calculated the same as 'GalaxyIndex'."
    )]
    pub central_galaxy_index: i64,
    /// Halo number from the restructured trees (the host halo, not necessarily the main FoF halo).
    #[galaxy(
        name = "SAGEHaloIndex",
        units = "Unitless",
        description = "Halo number from the restructured trees. This is different to the tree file because we order the trees. Note: This is the host halo, not necessarily the main FoF halo."
    )]
    pub sage_halo_index: i32,
    /// Tree number this galaxy belongs to.
    #[galaxy(
        name = "SAGETreeIndex",
        units = "Unitless",
        description = "Tree number this galaxy belongs to."
    )]
    pub sage_tree_index: i32,
    /// Most bound particle ID from the tree files.
    #[galaxy(
        name = "SimulationHaloIndex",
        units = "Unitless",
        description = "Most bound particle ID from the tree files."
    )]
    pub simulation_halo_index: i64,
    /// Denotes how this galaxy underwent a merger. 0: None. 1: Minor merger. 2: Major merger. 3:
    /// Disk instability. 4: Disrupt to intra-cluster stars.
    #[galaxy(
        name = "mergeType",
        units = "Unitless",
        description = "Denotes how this galaxy underwent a merger. 0: None. 1: Minor merger. 2: Major merger. 3: Disk instability. 4: Disrupt to intra-cluster stars."
    )]
    pub merge_type: i32,
    /// Galaxy ID this galaxy is merging into.
    #[galaxy(
        name = "mergeIntoID",
        units = "Unitless",
        description = "Galaxy ID this galaxy is merging into."
    )]
    pub merge_into_id: i32,
    /// Snapshot number of the galaxy this galaxy is merging into.
    #[galaxy(
        name = "mergeIntoSnapNum",
        units = "Unitless",
        description = "Snapshot number of the galaxy this galaxy is merging into."
    )]
    pub merge_into_snap_num: i32,
    /// Time between this snapshot and when the galaxy was last evolved.
    #[galaxy(
        name = "dT",
        units = "Myr/h",
        units_text = "Myr",
        description = "Time between this snapshot and when the galaxy was last evolved."
    )]
    pub dt: f32,
    /// Galaxy spatial position.
    #[galaxy(
        split = ["Posx", "Posy", "Posz"], units = "Mpc/h", comoving,
        descriptions = [
            "Galaxy spatial x position.",
            "Galaxy spatial y position.",
            "Galaxy spatial z position.",
        ]
    )]
    pub pos: [f32; 3],
    /// Galaxy velocity.
    #[galaxy(
        split = ["Velx", "Vely", "Velz"], units = "km/s",
        descriptions = [
            "Galaxy velocity in x direction.",
            "Galaxy velocity in y direction.",
            "Galaxy velocity in z direction.",
        ]
    )]
    pub vel: [f32; 3],
    /// Halo spin.
    #[galaxy(
        split = ["Spinx", "Spiny", "Spinz"], units = "Mpc/h km/s", units_text = "Mpc * km/s",
        descriptions = [
            "Halo spin in the x direction.",
            "Halo spin in the y direction.",
            "Halo spin in the z direction.",
        ]
    )]
    pub spin: [f32; 3],
    /// Number of particles in this galaxy's halo.
    #[galaxy(
        name = "Len",
        units = "Unitless",
        description = "Number of particles in this galaxy's halo."
    )]
    pub len: i32,
    /// Virial mass of this galaxy's halo.
    #[galaxy(
        name = "Mvir",
        units = "1.0e10 Msun/h",
        description = "Virial mass of this galaxy's halo."
    )]
    pub mvir: f32,
    /// Virial mass of the main FoF halo.
    #[galaxy(
        name = "CentralMvir",
        units = "1.0e10 Msun/h",
        description = "Virial mass of the main FoF halo."
    )]
    pub central_mvir: f32,
    /// Virial radius of this galaxy's halo.
    #[galaxy(
        name = "Rvir",
        units = "Mpc/h",
        description = "Virial radius of this galaxy's halo."
    )]
    pub rvir: f32,
    /// Virial velocity of this galaxy's halo.
    #[galaxy(
        name = "Vvir",
        units = "km/s",
        description = "Virial velocity of this galaxy's halo."
    )]
    pub vvir: f32,
    /// Maximum circular velocity of this galaxy's halo.
    #[galaxy(
        name = "Vmax",
        units = "km/s",
        description = "Maximum circular speed for this galaxy's halo."
    )]
    pub vmax: f32,
    /// Velocity dispersion of this galaxy's halo.
    #[galaxy(
        name = "VelDisp",
        units = "km/s",
        description = "Velocity dispersion for this galaxy's halo."
    )]
    pub vel_disp: f32,
    /// Mass of gas in the cold reservoir.
    #[galaxy(
        name = "ColdGas",
        units = "1.0e10 Msun/h",
        description = "Mass of gas in the cold reseroivr."
    )]
    pub cold_gas: f32,
    /// Mass of stars.
    #[galaxy(
        name = "StellarMass",
        units = "1.0e10 Msun/h",
        description = "Mass of stars."
    )]
    pub stellar_mass: f32,
    /// Mass of stars in the bulge. Bulge stars are added either through disk instabilities or
    /// mergers.
    #[galaxy(
        name = "BulgeMass",
        units = "1.0e10 Msun/h",
        description = "Mass of stars in the bulge. Bulge stars are added either through disk instabilities or mergers."
    )]
    pub bulge_mass: f32,
    /// Mass of gas in the hot reservoir.
    #[galaxy(
        name = "HotGas",
        units = "1.0e10 Msun/h",
        description = "Mass of gas in the hot reservoir."
    )]
    pub hot_gas: f32,
    /// Mass of gas in the ejected reservoir.
    #[galaxy(
        name = "EjectedMass",
        units = "1.0e10 Msun/h",
        description = "Mass of gass in the ejected reseroivr."
    )]
    pub ejected_mass: f32,
    /// Mass of this galaxy's black hole.
    #[galaxy(
        name = "BlackHoleMass",
        units = "1.0e10 Msun/h",
        description = "Mass of this galaxy's black hole."
    )]
    pub black_hole_mass: f32,
    /// Mass of intra-cluster stars.
    #[galaxy(
        name = "IntraClusterStars",
        units = "1.0e10 Msun/h",
        description = "Mass of intra-cluster stars."
    )]
    pub ics: f32,
    /// Mass of metals in the cold reservoir.
    #[galaxy(
        name = "MetalsColdGas",
        units = "1.0e10 Msun/h",
        description = "Mass of metals in the cold reseroivr."
    )]
    pub metals_cold_gas: f32,
    /// Mass of metals in stars.
    #[galaxy(
        name = "MetalsStellarMass",
        units = "1.0e10 Msun/h",
        description = "Mass of metals in stars."
    )]
    pub metals_stellar_mass: f32,
    /// Mass of metals in the bulge.
    #[galaxy(
        name = "MetalsBulgeMass",
        units = "1.0e10 Msun/h",
        description = "Mass of metals in the bulge."
    )]
    pub metals_bulge_mass: f32,
    /// Mass of metals in the hot reservoir.
    #[galaxy(
        name = "MetalsHotGas",
        units = "1.0e10 Msun/h",
        description = "Mass of metals in the hot reservoir."
    )]
    pub metals_hot_gas: f32,
    /// Mass of metals in the ejected reservoir.
    #[galaxy(
        name = "MetalsEjectedMass",
        units = "1.0e10 Msun/h",
        description = "Mass of metals in the ejected reseroivr."
    )]
    pub metals_ejected_mass: f32,
    /// Mass of metals in intra-cluster stars.
    #[galaxy(
        name = "MetalsIntraClusterStars",
        units = "1.0e10 Msun/h",
        description = "Mass of metals in intra-cluster stars."
    )]
    pub metals_ics: f32,
    /// Star formation rate within the disk.
    #[galaxy(
        name = "SfrDisk",
        units = "Msun/yr",
        description = "Star formation rate within the disk."
    )]
    pub sfr_disk: f32,
    /// Star formation rate within the bulge.
    #[galaxy(
        name = "SfrBulge",
        units = "Msun/yr",
        description = "Star formation rate within the bulge."
    )]
    pub sfr_bulge: f32,
    /// Metallicity of star-forming gas in the disk.
    #[galaxy(
        name = "SfrDiskZ",
        units = "Unitless",
        units_text = "Msun/yr",
        description = "Average metallicity of star-forming disk gas."
    )]
    pub sfr_disk_z: f32,
    /// Metallicity of star-forming gas in the bulge.
    #[galaxy(
        name = "SfrBulgeZ",
        units = "Unitless",
        units_text = "Msun/yr",
        description = "Average metallicity of star-forming bulge gas."
    )]
    pub sfr_bulge_z: f32,
    /// Disk scale radius based on Mo, Shude & White (1998).
    #[galaxy(
        name = "DiskRadius",
        units = "Mpc/h",
        description = "Disk scale radius based on Mo, Shude & White (1998)"
    )]
    pub disk_scale_radius: f32,
    /// Energy rate for gas cooling in the galaxy.
    #[galaxy(
        name = "Cooling",
        units = "log10(erg/s)",
        units_text = "erg/s",
        description = "Energy rate for gas cooling in the galaxy."
    )]
    pub cooling: f32,
    /// Energy rate for gas heating in the galaxy.
    #[galaxy(
        name = "Heating",
        units = "log10(erg/s)",
        units_text = "erg/s",
        description = "Energy rate for gas heating in the galaxy."
    )]
    pub heating: f32,
    /// Mass that this galaxy's black hole accreted during the last time step.
    #[galaxy(
        name = "QuasarModeBHaccretionMass",
        units = "1.0e10 Msun/h",
        description = "Mass that this galaxy's black hole accreted during the last time step."
    )]
    pub quasar_mode_bh_accretion_mass: f32,
    /// Time since this galaxy had a major merger.
    #[galaxy(
        name = "TimeOfLastMajorMerger",
        units = "Myr/h",
        units_text = "Myr",
        description = "Time since this galaxy had a major merger."
    )]
    pub time_of_last_major_merger: f32,
    /// Time since this galaxy had a minor merger.
    #[galaxy(
        name = "TimeOfLastMinorMerger",
        units = "Myr/h",
        units_text = "Myr",
        description = "Time since this galaxy had a minor merger."
    )]
    pub time_of_last_minor_merger: f32,
    /// Rate at which cold gas is reheated to hot gas.
    #[galaxy(
        name = "OutflowRate",
        units = "Msun/yr",
        description = "Rate at which cold gas is reheated to hot gas."
    )]
    pub outflow_rate: f32,
    /// Virial mass of this galaxy's halo at infall.
    #[galaxy(
        name = "infallMvir",
        units = "1.0e10 Msun/h",
        units_text = "1.0e10 Msun/yr",
        description = "Virial mass of this galaxy's halo at the previous timestep."
    )]
    pub infall_mvir: f32,
    /// Virial velocity of this galaxy's halo at infall.
    #[galaxy(
        name = "infallVvir",
        units = "km/s",
        description = "Virial velocity of this galaxy's halo at the previous timestep."
    )]
    pub infall_vvir: f32,
    /// Maximum circular velocity of this galaxy's halo at infall.
    #[galaxy(
        name = "infallVmax",
        units = "km/s",
        description = "Maximum circular speed of this galaxy's halo at the previous timestep."
    )]
    pub infall_vmax: f32,
    /// The 4 bytes C puts after the last field to align the 8-byte-aligned struct; kept so that
    /// the record is byte-for-byte SAGE's binary record.
    #[galaxy(skip)]
    pub _padding: u32,
}
