//! CPU time (user + system) of this process, every thread of it, and of the children it
//! waited for (the h5py contender), from `getrusage`.

use std::time::Duration;

fn of(who: libc::c_int) -> Duration {
    // SAFETY: `getrusage` fills the zeroed struct it is given and reads nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// CPU time used so far by this process and its waited-for children.
pub fn now() -> Duration {
    of(libc::RUSAGE_SELF) + of(libc::RUSAGE_CHILDREN)
}
