//! A master's outputs as the reader reaches them: the `Core_<i>` links, each checked and
//! surveyed before HDF5 follows it, and refused when it leads back to the master.

use super::*;

impl Catalogue {
    /// One output of a master file (its `Core_<i>`) as a catalogue of its own; `None` past the
    /// last.
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, write_master, Catalogue, Hdf5Options, Hdf5Output, MasterOptions};
    /// let dir = tempfile::tempdir()?;
    /// let master = dir.path().join("model.hdf5");
    /// let mut outputs = Vec::new();
    /// for task in 0..2 {
    ///     let options = Hdf5Options::default().task(task, 2);
    ///     let mut output = Hdf5Output::<SageGalaxy>::create(&master, &[63], options)?;
    ///     output.write(63, &vec![SageGalaxy::default(); 3 + task as usize])?;
    ///     outputs.push(output.finish()?.path);
    /// }
    /// write_master(&master, &outputs, &MasterOptions::default())?;
    /// let catalogue = Catalogue::open(&master)?;
    /// assert_eq!(catalogue.num_galaxies(63)?, 7);
    /// assert_eq!(catalogue.core(1)?.unwrap().num_galaxies(63)?, 4);
    /// assert!(catalogue.core(2)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn core(&self, core: usize) -> Result<Option<Catalogue>> {
        if core >= self.cores {
            return Ok(None);
        }
        let root = self.file.as_group().map_err(|e| {
            self.bad(format!(
                "the root group cannot be opened ({})",
                checked::one_line(&e)
            ))
        })?;
        let group = core_group(&root, core, &self.path)?;
        let file = group
            .file()
            .map_err(|e| Error::hdf5(format!("opening {}", names::core_group(core)), e))?;
        Ok(Some(Catalogue {
            path: self.path.clone(),
            live: self.live,
            parts: vec![group],
            cores: 0,
            snapshots: Mutex::new(BTreeMap::new()),
            sources: Mutex::new(SourceFiles::new()),
            types: Types::new()?,
            file,
            history: Mutex::new(None),
        }))
    }
}

/// `Core_<core>` of a master's root, checked to be a group that is not the root itself.
pub(super) fn core_group(root: &hdf5::Group, core: usize, path: &Path) -> Result<hdf5::Group> {
    let name = names::core_group(core);
    let bad = |problem: String| Error::BadFile {
        path: path.to_owned(),
        problem: format!("{name} {problem}"),
    };
    // The output the link leads to is checked and surveyed as any file given to open.
    if let Some(output) = core_output(root, core, path)? {
        open::open_checked(&output).map(drop)?;
    }
    let group =
        checked::group(root, &name).map_err(|why| why.into_error(path, &name, |why| bad(why.0)))?;
    if same_object(&group, root) {
        return Err(bad(
            "links back to this file's own root, not to an output".into()
        ));
    }
    Ok(group)
}

/// The file `Core_<core>` of a master's root links to, resolved as HDF5 resolves it, when the
/// link is an external link to a file that exists.
pub(super) fn core_output(root: &hdf5::Group, core: usize, path: &Path) -> Result<Option<PathBuf>> {
    let name = names::core_group(core);
    let target = ffi::read::external_link_target(root.id(), &name)
        .map_err(|e| e.reading(path, format!("the link {name}")))?;
    Ok(target
        .map(|(file, _)| sources::resolve(path, &file))
        .filter(|output| output.exists()))
}

/// Surveys the outputs of `cores` cores of a master's root at once (one child for all).
pub(super) fn survey_cores(root: &hdf5::Group, cores: usize, path: &Path) -> Result<()> {
    let mut outputs = Vec::new();
    for core in 0..cores {
        outputs.extend(core_output(root, core, path)?);
    }
    open::ensure_all_sound(&outputs)
}

/// Whether two handles are one object (a `Core_<i>` link back to the master's root, which would
/// make the master a part of itself).
pub(super) fn same_object(a: &hdf5::Group, b: &hdf5::Group) -> bool {
    matches!((a.loc_info(), b.loc_info()), (Ok(a), Ok(b)) if a.fileno == b.fileno && a.token == b.token)
}
