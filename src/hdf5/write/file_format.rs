//! How a catalogue is laid out on disk, apart from its data: the HDF5 format version, and the
//! settings that keep a file of many small datasets small. A SAGE core's file has up to 64
//! snapshots of 54 datasets each, most of them nearly empty, so the per-dataset metadata, not
//! the galaxies, can make most of a file: links are kept in their group's header, dataset
//! headers are no larger than their messages, and long attributes that repeat in every
//! snapshot (the `Description` of each field) are stored once.

use crate::error::Result;
use crate::hdf5::ffi;
use hdf5::plist::file_access::FileAccessBuilder;
use hdf5::plist::file_create::{FileCreateBuilder, SharedMessageIndex, SharedMessageType};
use hdf5::plist::group_create::{GroupCreate, GroupCreateBuilder, LinkPhaseChange};

/// Attribute messages at least this large (encoded) are shared: every `Description`, while
/// `num_gals`, `redshift` and short `Units`, which are smaller, stay in their object's header.
/// `num_gals` is rewritten as galaxies are flushed, and keeping rewritten messages out of the
/// shared heap keeps that path HDF5's most used one.
const SHARED_ATTRIBUTE_BYTES: u32 = 50;

/// The HDF5 file format version an output is written in.
///
/// ```
/// use galaxy_io::{FileFormat, Hdf5Options};
/// // For readers still on HDF5 1.8 (h5py before 2.8, or a C program linked against 1.8).
/// let options = Hdf5Options::default().file_format(FileFormat::Hdf5_1_8);
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFormat {
    /// HDF5 1.10's format (read by HDF5 >= 1.10 and every h5py wheel since 2.8): a chunk index that
    /// stays small as datasets grow, and the superblock flags that single-writer/multiple-reader
    /// mode and `recover` rely on. Required by the durable modes.
    #[default]
    Hdf5_1_10,
    /// HDF5 1.8's format, for older readers; only with [`Durability::AtFinish`](crate::Durability).
    Hdf5_1_8,
}

impl FileFormat {
    pub(crate) fn file_access(self, fapl: &mut FileAccessBuilder) -> &mut FileAccessBuilder {
        match self {
            FileFormat::Hdf5_1_10 => fapl.libver_v110(),
            FileFormat::Hdf5_1_8 => fapl.libver_v18(),
        }
    }

    pub(crate) fn file_create(fcpl: &mut FileCreateBuilder) -> &mut FileCreateBuilder {
        // Datatypes are not shared: each header holds its type, 19.5 KB more over 3456
        // datasets, where looking each one up in the index cost SAGE's run 6 % of its output
        // time (BENCHMARKS.md).
        fcpl.shared_mesg_indexes(&[SharedMessageIndex {
            message_types: SharedMessageType::ATTRIBUTE,
            min_message_size: SHARED_ATTRIBUTE_BYTES,
        }])
    }

    /// Settings of the open, new file that the creation property lists cannot carry.
    pub(crate) fn after_create(file: &hdf5::File) -> Result<()> {
        ffi::files::minimize_dataset_headers(file.id())
    }

    /// A snapshot group holding `links` datasets keeps them all in its own header, where a
    /// group of more than 8 would otherwise build a heap and two B-trees for them.
    pub(crate) fn group_create(
        gcpl: &mut GroupCreateBuilder,
        links: usize,
    ) -> &mut GroupCreateBuilder {
        let max_compact = u32::try_from(links)
            .unwrap_or(u32::MAX)
            .clamp(8, u16::MAX.into());
        gcpl.link_phase_change(LinkPhaseChange {
            max_compact,
            min_dense: max_compact.min(6),
        })
    }

    /// Sizes a new snapshot group's header for its links (`names`, the datasets to come), so
    /// that they are written into it in place: without the estimate, each link added to a
    /// minimal header takes a continuation block of its own, about 30 bytes more per dataset.
    pub(crate) fn size_group_header(gcpl: &GroupCreate, names: &[&str]) -> Result<()> {
        let total: usize = names.iter().map(|name| name.len()).sum();
        let average = total.div_ceil(names.len().max(1));
        ffi::files::estimate_links(gcpl.id(), names.len(), average)
    }
}
