//! The binary's last line of defence against running out of memory.
//!
//! Every run is planned against a memory budget before it allocates (see
//! `experiment::budget`), but an estimate can fall short. Rust's default response to a
//! failed allocation is an abort (SIGABRT, exit status 134, possibly a core dump);
//! [`ExitOnOom`] wraps the system allocator and instead prints one line saying what
//! happened and exits with status 2, like any other refused input. It allocates nothing
//! on that path (the message is formatted on the stack and written with `write(2)`).
//!
//! Only the `losscape` binary installs it; the library leaves the choice to its users.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, exiting with status 2 and a message when it fails.
pub struct ExitOnOom;

// SAFETY: every call is forwarded to `System` unchanged; only a null result is acted on.
unsafe impl GlobalAlloc for ExitOnOom {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        checked(System.alloc(layout), layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        checked(System.alloc_zeroed(layout), layout.size())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        checked(System.realloc(ptr, layout, new_size), new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

fn checked(p: *mut u8, size: usize) -> *mut u8 {
    if p.is_null() {
        out_of_memory(size)
    }
    p
}

/// Print "error: out of memory ..." naming `size` and exit with status 2.
fn out_of_memory(size: usize) -> ! {
    let mut buf = [0u8; 256];
    let mut len = 0;
    let mut put = |bytes: &[u8]| {
        let n = bytes.len().min(buf.len() - len);
        buf[len..len + n].copy_from_slice(&bytes[..n]);
        len += n;
    };
    put(b"error: out of memory: an allocation of ");
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = size;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    put(&digits[i..]);
    put(b" bytes failed; this run needs more memory than the process may use. Lower the config's sizes (layers, data, grid points) or run where more memory is available.\n");
    // SAFETY: writing a valid buffer to stderr and exiting without unwinding or running
    // destructors (which might allocate) are both allowed in any state.
    unsafe {
        libc::write(2, buf.as_ptr().cast(), len);
        libc::_exit(2)
    }
}
