//! How SAGE shares a run's forests among its tasks (MPI ranks), from the tree files' headers,
//! and so which fraction of the simulation's volume a task's galaxies come from: SAGE's
//! `distribute_weighted_forests_over_ntasks` and `find_start_and_end_filenum`
//! (`src/io/forest_utils.c`) and the sum at the end of `setup_forests_io_lht_binary`
//! (`src/io/read_tree_lhalo_binary.c`), step for step, so that the fraction is the one SAGE
//! writes as `frac_volume_processed`.

use super::lhalo;
use super::Parameters;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

impl Parameters {
    /// The fraction of the simulation's volume that task `task` of a run of `tasks` processes,
    /// as SAGE works it out: the run's forests (of tree files `FirstFile..=LastFile`, counted
    /// in their headers) are shared out in order by `ForestDistributionScheme`, and each tree
    /// file the task reads adds the part of its forests the task takes, over
    /// `NumSimulationTreeFiles`. The tree files are found as SAGE finds them (`SimulationDir`
    /// from the working directory), or else beside the parameter file `parameter_file`. Only
    /// `lhalo_binary` trees are read; for other tree types, or tree files that cannot be
    /// read, the error says so.
    ///
    /// ```
    /// use galaxy_io::sage::lhalo;
    /// let dir = tempfile::tempdir()?;
    /// let forests = lhalo::write_forests(dir.path(), &lhalo::ForestConfig::default())?;
    /// let parameters = forests.parameters(&dir.path().join("output"));
    /// let par = dir.path().join("sage.par");
    /// let shares: Vec<f64> = (0..3)
    ///     .map(|task| parameters.task_volume_fraction(&par, task, 3))
    ///     .collect::<Result<_, _>>()?;
    /// assert!(shares.iter().all(|&share| share > 0.0));
    /// assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12, "together, the whole run");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn task_volume_fraction(
        &self,
        parameter_file: &Path,
        task: u32,
        tasks: u32,
    ) -> Result<f64> {
        let bad = |problem: String| Error::BadFile {
            path: parameter_file.to_owned(),
            problem,
        };
        if task >= tasks {
            return Err(bad(format!(
                "task {task} is not one of the run's {tasks} tasks"
            )));
        }
        if !self.tree_type.eq_ignore_ascii_case("lhalo_binary") {
            return Err(bad(format!(
                "TreeType is {}: only lhalo_binary tree files are read to share forests among \
                 tasks",
                self.tree_type
            )));
        }
        let files = self.first_file..=self.last_file;
        let per_file: Vec<Vec<u64>> = files
            .clone()
            .map(|file| lhalo::halos_per_tree(&self.tree_file(parameter_file, file)))
            .collect::<Result<_>>()?;
        let forests: Vec<u64> = per_file.iter().map(|f| f.len() as u64).collect();
        let halos: Vec<u64> = per_file.concat();
        let (start, count) = self.distribute(&halos, task, tasks).ok_or_else(|| {
            bad(format!(
                "SAGE gives task {task} of {tasks} no forests of the {} in tree files {}..={}: \
                 a run of that many tasks fails",
                halos.len(),
                self.first_file,
                self.last_file
            ))
        })?;
        let end = start + count;
        // Each tree file contributes the part of its forests in [start, end) (a file without
        // forests nothing, where SAGE would divide 0 by 0).
        let mut first_forest = 0;
        let mut fraction = 0.0;
        for &in_file in &forests {
            let taken = end
                .min(first_forest + in_file)
                .saturating_sub(start.max(first_forest));
            if taken > 0 {
                fraction += taken as f64 / in_file as f64;
            }
            first_forest += in_file;
        }
        Ok(fraction / f64::from(self.num_simulation_tree_files))
    }

    /// Tree file `file`: `<SimulationDir>/<TreeName>.<file>`, from the working directory as
    /// SAGE opens it, or else beside the parameter file.
    fn tree_file(&self, parameter_file: &Path, file: i32) -> PathBuf {
        let named = Path::new(&self.simulation_dir).join(format!("{}.{file}", self.tree_name));
        match parameter_file.parent() {
            Some(directory) if named.is_relative() && !named.exists() => directory.join(named),
            _ => named,
        }
    }

    /// The first forest and the number of forests SAGE gives task `task` of `tasks` of the run's
    /// forests, whose haloes are `halos` (SAGE's `distribute_weighted_forests_over_ntasks`);
    /// `None` when it gives the task none.
    fn distribute(&self, halos: &[u64], task: u32, tasks: u32) -> Option<(u64, u64)> {
        let total = halos.len() as u64;
        let scheme = self.forest_distribution_scheme.to_ascii_lowercase();
        let (start, count) = if total == 0 || tasks == 1 {
            (0, total)
        } else if scheme == "uniform_in_forests" {
            let (each, extra) = (total / u64::from(tasks), total % u64::from(tasks));
            let task = u64::from(task);
            (
                each * task + task.min(extra),
                each + u64::from(task < extra),
            )
        } else {
            self.weighted(halos, &scheme, task, tasks)?
        };
        (count > 0).then_some((start, count))
    }

    /// SAGE's weighted share: forests in order, each task taking them until its cost reaches
    /// an even share of what is left, the last task the rest.
    fn weighted(&self, halos: &[u64], scheme: &str, task: u32, tasks: u32) -> Option<(u64, u64)> {
        let exponent = self.exponent_forest_distribution_scheme;
        let cost = |n: u64| -> f64 {
            let n = n as f64;
            match scheme {
                "linear_in_nhalos" => n,
                "quadratic_in_nhalos" => n * n,
                // SAGE multiplies an integer number of times: `(int) exponent`.
                "exponent_in_nhalos" => (0..exponent as i32).fold(1.0, |c, _| c * n),
                _ => n.powf(exponent),
            }
        };
        let total_cost: f64 = halos.iter().map(|&n| cost(n)).sum();
        let mut target = total_cost / f64::from(tasks);
        let (mut start, mut so_far, mut current) = (0u64, 0.0, 0u32);
        let mut goal = target;
        for (i, &n) in (0u64..).zip(halos) {
            so_far += cost(n);
            if so_far < goal {
                continue;
            }
            if task == current {
                return Some((start, i - start + 1));
            }
            current += 1;
            start = i + 1;
            if current == tasks - 1 {
                return (task == current).then(|| (start, halos.len() as u64 - start));
            }
            target = (total_cost - so_far) / f64::from(tasks - current);
            goal = so_far + target;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameters(scheme: &str, exponent: f64) -> Parameters {
        let mut parameters = Parameters::millennium();
        parameters.forest_distribution_scheme = scheme.into();
        parameters.exponent_forest_distribution_scheme = exponent;
        parameters
    }

    #[test]
    fn uniform_shares_give_the_first_tasks_one_forest_more() {
        let uniform = parameters("uniform_in_forests", 0.0);
        let halos = [1u64; 10];
        let shares: Vec<_> = (0..3).map(|t| uniform.distribute(&halos, t, 3)).collect();
        assert_eq!(shares, [Some((0, 4)), Some((4, 3)), Some((7, 3))]);
        assert_eq!(
            uniform.distribute(&halos[..2], 2, 3),
            None,
            "no forest left"
        );
    }

    #[test]
    fn weighted_shares_cover_every_forest_once_in_order() {
        let halos: Vec<u64> = (0..40).map(|i| 1 + (i * 37 % 11) * 50).collect();
        for (scheme, exponent) in [
            ("linear_in_nhalos", 0.0),
            ("quadratic_in_nhalos", 0.0),
            ("exponent_in_nhalos", 3.0),
            ("generic_power_in_nhalos", 0.7),
        ] {
            let run = parameters(scheme, exponent);
            for tasks in 1..6 {
                let mut next = 0;
                for task in 0..tasks {
                    let (start, count) = run.distribute(&halos, task, tasks).unwrap();
                    assert_eq!(start, next, "{scheme}, task {task} of {tasks}");
                    next = start + count;
                }
                assert_eq!(next, halos.len() as u64, "{scheme}, {tasks} tasks");
            }
        }
        // The heavy forest at the front fills the first task's share by itself.
        let linear = parameters("linear_in_nhalos", 0.0);
        let lopsided = [100, 1, 1, 1, 1];
        assert_eq!(linear.distribute(&lopsided, 0, 2), Some((0, 1)));
        assert_eq!(linear.distribute(&lopsided, 1, 2), Some((1, 4)));
    }
}
