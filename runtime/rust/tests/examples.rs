//! Runs the example programs that `cargo test` builds alongside the tests.

use std::path::PathBuf;
use std::process::Command;

/// target/<profile>/examples/<name>, next to this test's deps/ folder.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>");
    profile_dir.join("examples").join(name)
}

#[test]
fn hello_example_runs_as_written() {
    let out =
        Command::new(example("hello")).output().expect("run examples/hello (built by cargo test)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hello failed: {}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "received 13 bytes, type_id=1");
}

#[test]
fn rpc_example_runs_as_written() {
    let out =
        Command::new(example("rpc")).output().expect("run examples/rpc (built by cargo test)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rpc failed: {}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "price 15 for 10");
}
