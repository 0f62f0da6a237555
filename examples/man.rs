//! Print shipctl's manual page (roff) on stdout, generated from the CLI
//! definitions: `cargo run --example man > shipctl.1`, then
//! `man -l shipctl.1`. The release archives and packages carry its output
//! (scripts/dist).

fn main() -> std::io::Result<()> {
    let stdout = std::io::stdout();
    shipctl::cli::man_page(&mut stdout.lock())
}
