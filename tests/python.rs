//! The Python package's suite (`python/tests`, pytest), run by `cargo test` so that README's
//! one test command covers both languages: a virtual environment in `target/python-env` gets
//! maturin, pyarrow, pandas, pyspark and pytest from PyPI (once; later runs reuse it), the
//! package is built into it with `maturin develop --release` against this workspace's
//! library, and pytest runs it against this build's command line, Spark in `local[2]`
//! included (it needs Java: `.ci/run` installs it). `WIRETRACE_SKIP_PYTHON=1` skips it.

mod common;

use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_python_package_suite() {
    if std::env::var_os("WIRETRACE_SKIP_PYTHON").is_some() {
        eprintln!("skipped: WIRETRACE_SKIP_PYTHON is set");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = root.join("target/python-env");
    let bin = env.join("bin");
    if !bin.join("pytest").exists() || !bin.join("pyspark").exists() {
        run(
            Command::new("python3").args(["-m", "venv", common::s(&env)]),
            "python3 -m venv",
        );
        run(
            Command::new(bin.join("pip")).args([
                "install",
                "-q",
                "maturin>=1.5,<2",
                "pyarrow>=12",
                // pyspark 4 warns on pandas 3, which it does not support yet.
                "pandas<3",
                "pyspark>=3.5,<5",
                "pytest",
            ]),
            "pip install (maturin, pyarrow, pandas, pyspark, pytest)",
        );
    }
    run(
        Command::new(bin.join("maturin"))
            .args(["develop", "--release", "-q", "-m"])
            .arg(root.join("python/Cargo.toml"))
            .env("VIRTUAL_ENV", &env)
            .env("PATH", prepend_path(&bin)),
        "maturin develop",
    );
    run(
        Command::new(bin.join("pytest"))
            .args(["-q", "-p", "no:cacheprovider"])
            .arg(root.join("python/tests"))
            .env("WIRETRACE_BIN", common::exe()),
        "pytest python/tests",
    );
}

fn prepend_path(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).expect("paths join")
}
