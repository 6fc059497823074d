//! The derive's layouts checked against the compiler's own `offset_of!`/`size_of`, for the full
//! SAGE record, and the run-time checks of `Schema`.

use galaxy_io::sage::SageGalaxy;
use galaxy_io::{Dtype, Field, GalaxyRecord, Schema};
use std::mem::{offset_of, size_of};

#[test]
fn sage_galaxy_matches_the_c_record() {
    let schema = Schema::of::<SageGalaxy>().unwrap();
    assert_eq!(schema.record_size(), size_of::<SageGalaxy>());
    assert_eq!(
        schema.record_size(),
        232,
        "SAGE's GALAXY_OUTPUT is 232 bytes"
    );
    assert_eq!(schema.fields().len(), 54, "SAGE writes 54 datasets");

    macro_rules! check {
        ($($name:literal => $field:ident [$index:expr] : $dtype:ident),* $(,)?) => {$(
            let field = schema.field($name).unwrap_or_else(|| panic!("no field {}", $name));
            assert_eq!(field.offset, offset_of!(SageGalaxy, $field) + $index * field.size(), "{}", $name);
            assert_eq!(field.dtype, Dtype::$dtype, "{}", $name);
            assert!(field.shape.is_empty(), "{}", $name);
        )*};
    }
    check!(
        "SnapNum" => snap_num[0]: I32, "Type" => galaxy_type[0]: I32,
        "GalaxyIndex" => galaxy_index[0]: I64, "CentralGalaxyIndex" => central_galaxy_index[0]: I64,
        "SAGEHaloIndex" => sage_halo_index[0]: I32, "SAGETreeIndex" => sage_tree_index[0]: I32,
        "SimulationHaloIndex" => simulation_halo_index[0]: I64, "mergeType" => merge_type[0]: I32,
        "mergeIntoID" => merge_into_id[0]: I32, "mergeIntoSnapNum" => merge_into_snap_num[0]: I32,
        "dT" => dt[0]: F32,
        "Posx" => pos[0]: F32, "Posy" => pos[1]: F32, "Posz" => pos[2]: F32,
        "Velx" => vel[0]: F32, "Vely" => vel[1]: F32, "Velz" => vel[2]: F32,
        "Spinx" => spin[0]: F32, "Spiny" => spin[1]: F32, "Spinz" => spin[2]: F32,
        "Len" => len[0]: I32, "Mvir" => mvir[0]: F32, "CentralMvir" => central_mvir[0]: F32,
        "Rvir" => rvir[0]: F32, "Vvir" => vvir[0]: F32, "Vmax" => vmax[0]: F32,
        "VelDisp" => vel_disp[0]: F32, "ColdGas" => cold_gas[0]: F32,
        "StellarMass" => stellar_mass[0]: F32, "BulgeMass" => bulge_mass[0]: F32,
        "HotGas" => hot_gas[0]: F32, "EjectedMass" => ejected_mass[0]: F32,
        "BlackHoleMass" => black_hole_mass[0]: F32, "IntraClusterStars" => ics[0]: F32,
        "MetalsColdGas" => metals_cold_gas[0]: F32, "MetalsStellarMass" => metals_stellar_mass[0]: F32,
        "MetalsBulgeMass" => metals_bulge_mass[0]: F32, "MetalsHotGas" => metals_hot_gas[0]: F32,
        "MetalsEjectedMass" => metals_ejected_mass[0]: F32,
        "MetalsIntraClusterStars" => metals_ics[0]: F32,
        "SfrDisk" => sfr_disk[0]: F32, "SfrBulge" => sfr_bulge[0]: F32,
        "SfrDiskZ" => sfr_disk_z[0]: F32, "SfrBulgeZ" => sfr_bulge_z[0]: F32,
        "DiskRadius" => disk_scale_radius[0]: F32, "Cooling" => cooling[0]: F32,
        "Heating" => heating[0]: F32,
        "QuasarModeBHaccretionMass" => quasar_mode_bh_accretion_mass[0]: F32,
        "TimeOfLastMajorMerger" => time_of_last_major_merger[0]: F32,
        "TimeOfLastMinorMerger" => time_of_last_minor_merger[0]: F32,
        "OutflowRate" => outflow_rate[0]: F32, "infallMvir" => infall_mvir[0]: F32,
        "infallVvir" => infall_vvir[0]: F32, "infallVmax" => infall_vmax[0]: F32,
    );
    for field in schema.fields() {
        assert!(!field.units.is_empty(), "{} has units", field.name);
        assert!(
            !field.description.is_empty(),
            "{} has a description",
            field.name
        );
    }
}

#[test]
fn flattened_names_that_collide_are_an_error() {
    #[derive(Clone, Copy, GalaxyRecord)]
    #[repr(C)]
    struct Inner {
        #[galaxy(name = "Mass")]
        mass: f32,
    }
    #[derive(Clone, Copy, GalaxyRecord)]
    #[repr(C)]
    struct Outer {
        #[galaxy(name = "Mass")]
        mass: f32,
        #[galaxy(flatten, name = "")]
        inner: Inner,
    }
    let error = Schema::of::<Outer>().unwrap_err().to_string();
    assert!(
        error.contains("dataset name `Mass` is already used"),
        "{error}"
    );
}

#[test]
fn hand_built_schemas_are_validated() {
    let f32_at = |name: &str, offset| Field::scalar(name, offset, Dtype::F32);
    assert!(Schema::new(vec![f32_at("a", 0), f32_at("b", 4)], 8).is_ok());
    let errors = [
        Schema::new(vec![f32_at("a", 0), f32_at("a", 4)], 8),
        Schema::new(vec![f32_at("a", 0), f32_at("b", 2)], 8),
        Schema::new(vec![f32_at("a", 6)], 8),
        Schema::new(vec![f32_at("", 0)], 8),
        Schema::new(vec![f32_at("a/b", 0)], 8),
        Schema::new(vec![], 0),
    ];
    let messages: Vec<String> = errors
        .into_iter()
        .map(|e| e.unwrap_err().to_string())
        .collect();
    assert!(messages[0].contains("dataset name `a` is already used"));
    assert!(messages[1].contains("overlap"));
    assert!(messages[2].contains("does not fit"));
    assert!(messages[3].contains("not a valid dataset name"));
    assert!(messages[4].contains("not a valid dataset name"));
    assert!(messages[5].contains("record size is zero"));
}

#[test]
fn extending_a_schema_aligns_each_new_field() {
    let base = Schema::new(vec![Field::scalar("a", 0, Dtype::I32)], 4).unwrap();
    let extended = base
        .extended([
            Field::scalar("b", 0, Dtype::U8),
            Field::scalar("c", 0, Dtype::F64),
        ])
        .unwrap();
    assert_eq!(extended.field("b").unwrap().offset, 4);
    assert_eq!(extended.field("c").unwrap().offset, 8);
    assert_eq!(extended.record_size(), 16);
}
