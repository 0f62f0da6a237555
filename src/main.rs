//! The shipctl binary: collect the arguments, then [`shipctl::main`].
//!
//! No Rust runtime start-up (`no_main`): on musl, std's `main` wrapper
//! installs SIGSEGV/SIGBUS handlers on an alternate signal stack it maps for
//! stack-overflow reports (mmap, mprotect, sigaltstack, and munmap at exit),
//! which costs as much as the rest of a lookup. The C `main` below does the
//! two things of that start-up that matter here: stdin, stdout and stderr
//! are open, and SIGPIPE is ignored.
//!
//! On Windows std's own entry point is used: it reads the arguments from
//! the UTF-16 command line (`é`, `ß`, emoji arrive whole; a C `main`'s
//! narrow argv would turn them into the console's code page).
#![cfg_attr(unix, no_main)]

#[cfg(unix)]
use std::ffi::{CStr, OsStr, OsString, c_char};
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;

/// The entry point on Windows (see above).
#[cfg(windows)]
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(shipctl::main(std::env::args_os().collect()))
}

/// The C entry point (see `no_main` above).
#[cfg(unix)]
#[unsafe(no_mangle)]
extern "C" fn main(argc: i32, argv: *const *const c_char) -> i32 {
    standard_streams_open();
    // As std's runtime does: a reader that goes away makes writes fail with
    // EPIPE (handled quietly by `shipctl::main`) instead of killing the
    // process.
    // SAFETY: setting a signal to SIG_IGN has no handler to race with.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // The arguments come from here: std only collects them itself on glibc.
    let args: Vec<OsString> = (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the C runtime passes argc valid, NUL-terminated strings.
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
        .collect();
    i32::from(shipctl::main(args))
}

/// As std's runtime does: a closed descriptor 0, 1 or 2 is opened on
/// /dev/null, so that a file shipctl opens later (a state file, a temporary
/// file) can never become its stdout or stderr and receive a value or a
/// diagnostic (`shipctl replace app.yml 2>&-`).
#[cfg(unix)]
fn standard_streams_open() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd for the whole call.
    if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } < 0 {
        return;
    }
    for fd in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
        // SAFETY: a NUL-terminated path; the new descriptor takes the lowest
        // free number, which is this closed one (lower ones are open).
        let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if opened != fd.fd {
            break;
        }
    }
}
