//! Ctrl-C, `kill` and a closed terminal, handled so that the exit status tells the truth:
//! exit 130 (or 128 + the signal) means nothing was committed and no temporary file is left;
//! a run that reached its commit finishes it and exits as it would have.
//!
//! How: [`install`] blocks SIGINT, SIGTERM and SIGHUP in every thread (it runs before any
//! other thread exists, and threads inherit the mask) and starts one thread that waits for
//! them with `sigwait`. That thread runs ordinary code, not a signal handler, so it can take
//! locks: it waits for a [`commit`] in progress to end, and then either ignores the signal (the
//! run's outputs are in place; it exits as it would have) or removes every registered
//! temporary file and ends the process at once. Work in progress needs no polling: an
//! uncommitted SQLite transaction is rolled back by the next open, as after `kill -9`.
//!
//! A library caller that never calls [`install`] keeps the default signal behaviour;
//! [`register`] and [`commit`] then cost a lock and nothing else.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Whether the run's commit has happened (after it, signals are ignored).
static COMMITTED: Mutex<bool> = Mutex::new(false);
/// Temporary files to remove when interrupted.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    // A panic while holding one of these leaves plain data behind: keep using it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the signal thread. Call once, first thing in `main`, before any thread starts.
#[cfg(unix)]
pub fn install() {
    // SAFETY: plain libc calls on a signal set owned by this frame.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, sig);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let set_copy = set;
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || loop {
                let mut sig: libc::c_int = 0;
                if libc::sigwait(&set_copy, &mut sig) == 0 {
                    on_signal(sig);
                }
            });
        if spawned.is_err() {
            // No thread to take them: let the signals kill the process as before.
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Without Unix signals there is nothing to install.
#[cfg(not(unix))]
pub fn install() {}

#[cfg(unix)]
fn on_signal(sig: libc::c_int) {
    // Waits for a commit in progress; holding the lock, no commit can start.
    let committed = lock(&COMMITTED);
    if *committed {
        return;
    }
    for p in lock(&TEMPS).iter() {
        let _ = std::fs::remove_file(p);
    }
    let msg = b"wiretrace: interrupted; nothing was written\n";
    // SAFETY: writing a static buffer to stderr, then ending the process without running
    // destructors or atexit handlers (other threads are still working).
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(128 + sig);
    }
}

/// Registers a temporary file to remove if the run is interrupted; dropping the guard takes
/// it off the list (do that once the file is renamed away or deleted).
pub fn register(path: &Path) -> TempGuard {
    lock(&TEMPS).push(path.to_path_buf());
    TempGuard(path.to_path_buf())
}

/// Keeps a temporary file on the interrupt cleanup list while alive.
#[derive(Debug)]
pub struct TempGuard(PathBuf);

impl Drop for TempGuard {
    fn drop(&mut self) {
        let mut temps = lock(&TEMPS);
        if let Some(i) = temps.iter().rposition(|p| *p == self.0) {
            temps.swap_remove(i);
        }
    }
}

/// Runs the run's commit (renames, a database commit) with signals held off: an interrupt
/// during `f` waits for it, and after a successful `f` is ignored, so the exit status says
/// whether the commit happened. On error, a pending interrupt proceeds as usual.
pub fn commit<T, E>(f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let mut committed = lock(&COMMITTED);
    let out = f()?;
    *committed = true;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_leave_the_list_when_dropped() {
        let a = register(Path::new("/tmp/wiretrace-test-a"));
        let b = register(Path::new("/tmp/wiretrace-test-b"));
        drop(a);
        let left: Vec<PathBuf> = lock(&TEMPS).clone();
        assert!(left.contains(&PathBuf::from("/tmp/wiretrace-test-b")));
        assert!(!left.contains(&PathBuf::from("/tmp/wiretrace-test-a")));
        drop(b);
    }
}
