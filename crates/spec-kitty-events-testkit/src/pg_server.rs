//! A throw-away PostgreSQL server for tests and benchmarks.
//!
//! [`TempPostgres::start`] runs `initdb` on a temporary directory and starts the server
//! on a free loopback port (Unix socket inside the directory too); dropping the value
//! stops the server (also while a panic unwinds) and removes the directory.
//!
//! The binaries are looked up in `$SKE_PG_BINDIR`, then on `PATH`, then in
//! `pg_config --bindir`, then in `/usr/lib/postgresql/*/bin`. `initdb` refuses to run as
//! root, so under root the server runs as the unprivileged user `nobody` (through
//! `runuser`) and the directory is handed to that user.
//!
//! Missing binaries are a test failure with a clear message, never a skip.

use std::net::TcpListener;
use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running temporary PostgreSQL server; dropped = stopped and removed.
#[derive(Debug)]
pub struct TempPostgres {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    run_as: Option<String>,
    port: u16,
}

fn has_all(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres", "createdb"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

/// Finds the directory holding `initdb`, `pg_ctl` and `postgres`.
pub fn find_bindir() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("SKE_PG_BINDIR") {
        let d = PathBuf::from(d);
        return if has_all(&d) {
            Ok(d)
        } else {
            Err(format!(
                "SKE_PG_BINDIR={} lacks initdb/pg_ctl/postgres",
                d.display()
            ))
        };
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if has_all(&d) {
                // Resolve symlinks so that pg_ctl finds its `postgres` next to itself.
                if let Ok(real) = std::fs::canonicalize(d.join("initdb"))
                    && let Some(parent) = real.parent()
                    && has_all(parent)
                {
                    return Ok(parent.to_path_buf());
                }
                return Ok(d);
            }
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_all(&d) {
            return Ok(d);
        }
    }
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut dirs: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|d| has_all(d))
            .collect();
        dirs.sort();
        if let Some(d) = dirs.pop() {
            return Ok(d);
        }
    }
    Err(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install them \
         (Debian: `apt-get install -y postgresql`) or set SKE_PG_BINDIR"
            .into(),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn ids_of(user: &str) -> Result<(u32, u32), String> {
    let get = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id")
            .args([flag, user])
            .output()
            .map_err(|e| format!("id {flag} {user}: {e}"))?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| format!("user {user:?} not found (id {flag} {user})"))
    };
    Ok((get("-u")?, get("-g")?))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl TempPostgres {
    /// Starts a server; panics with a clear message if that is impossible.
    pub fn start() -> TempPostgres {
        match Self::try_start() {
            Ok(s) => s,
            Err(e) => panic!("cannot start a temporary PostgreSQL server: {e}"),
        }
    }

    /// Starts a server.
    pub fn try_start() -> Result<TempPostgres, String> {
        let bindir = find_bindir()?;
        let run_as = is_root().then(|| "nobody".to_string());
        let dir = tempfile::Builder::new()
            .prefix("ske-pg-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        if let Some(user) = &run_as {
            let (uid, gid) = ids_of(user)?;
            chown(dir.path(), Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", dir.path().display()))?;
        }
        let mut server = TempPostgres {
            dir,
            bindir,
            run_as,
            port: 0,
        };
        let data = server.data_dir();
        server.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let mut last = String::new();
        for _ in 0..5 {
            server.port = free_port()?;
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50",
                server.port,
                server.dir.path().display()
            );
            let log = server.dir.path().join("server.log");
            match server.run(
                "pg_ctl",
                &[
                    "-D",
                    &data,
                    "-l",
                    &log.display().to_string(),
                    "-o",
                    &opts,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ) {
                Ok(_) => return Ok(server),
                Err(e) => {
                    last = format!(
                        "{e}\nserver log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    )
                }
            }
        }
        Err(last)
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<Output, String> {
        let exe = self.bindir.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args).current_dir(self.dir.path());
        let out = cmd
            .output()
            .map_err(|e| format!("running {}: {e}", exe.display()))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "{} {:?} failed: {}{}",
                exe.display(),
                args,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// The loopback TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for database `dbname` (user `postgres`, no password).
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/{dbname}?connect_timeout=10",
            self.port
        )
    }

    /// Creates database `dbname` and returns its URL.
    pub fn create_database(&self, dbname: &str) -> String {
        self.create_database_with(dbname, &[])
    }

    /// Creates database `dbname` with extra `createdb` arguments (e.g. an ICU locale)
    /// and returns its URL.
    pub fn create_database_with(&self, dbname: &str, extra: &[&str]) -> String {
        let port = self.port.to_string();
        let mut args = vec!["-h", "127.0.0.1", "-p", &port, "-U", "postgres"];
        args.extend_from_slice(extra);
        args.push(dbname);
        if let Err(e) = self.run("createdb", &args) {
            panic!("createdb {dbname}: {e}");
        }
        self.url(dbname)
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
