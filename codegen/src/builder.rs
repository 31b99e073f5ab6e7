//! The build.rs front end: prost-build's `Config`, for databag specs.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::emit::{self, Artifact};
use crate::model::Interface;

/// Generates typed bindings from interface specs, usually from a `build.rs`.
///
/// [`Builder::compile`] writes one Rust file per spec, `<interface>_v<N>.rs`, into `OUT_DIR`;
/// include it in the crate:
///
/// ```no_run
/// // The body of build.rs's `main`:
/// if let Err(error) = databag_codegen::Builder::new()
///     .spec("../spec/valkey_client/v1.yaml")
///     .compile()
/// {
///     // Spec errors arrive as `file:line:col: message` lines.
///     eprintln!("{error}");
///     std::process::exit(1);
/// }
/// ```
///
/// and in `src/lib.rs`:
///
/// ```text
/// pub mod valkey_client {
///     include!(concat!(env!("OUT_DIR"), "/valkey_client_v1.rs"));
/// }
/// ```
///
/// The generated code needs only the `databag` crate (with its default `derive` feature) as a
/// dependency. [`Builder::generate`] returns the same files without writing them, for tools and
/// tests.
#[derive(Clone, Debug)]
pub struct Builder {
    specs: Vec<PathBuf>,
    spec_dirs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    emit_rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with no specs, writing to `OUT_DIR` and printing `cargo:rerun-if-changed`.
    ///
    /// ```
    /// let builder = databag_codegen::Builder::new();
    /// # let _ = builder;
    /// ```
    pub fn new() -> Self {
        Builder {
            specs: Vec::new(),
            spec_dirs: Vec::new(),
            out_dir: None,
            emit_rerun_if_changed: true,
        }
    }

    /// Adds one spec file; call it once per spec. Relative paths are relative to the current
    /// directory, which for a build script is the package's root.
    ///
    /// ```no_run
    /// databag_codegen::Builder::new()
    ///     .spec("../spec/valkey_client/v1.yaml")
    ///     .spec("../spec/postgresql_client/v0.yaml")
    ///     .compile()
    ///     .unwrap();
    /// ```
    pub fn spec(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.specs.push(path.as_ref().to_owned());
        self
    }

    /// Adds every spec of a spec directory laid out as `<dir>/<interface>/v<N>.yaml`, in
    /// sorted order. The directory is read when generating.
    ///
    /// ```no_run
    /// let artifacts = databag_codegen::Builder::new().spec_dir("spec").generate().unwrap();
    /// # let _ = artifacts;
    /// ```
    pub fn spec_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.spec_dirs.push(dir.as_ref().to_owned());
        self
    }

    /// Sets where [`Builder::compile`] writes; the default is the `OUT_DIR` cargo gives build
    /// scripts.
    ///
    /// ```no_run
    /// databag_codegen::Builder::new()
    ///     .spec("spec/valkey_client/v1.yaml")
    ///     .out_dir("target/bindings")
    ///     .compile()
    ///     .unwrap();
    /// ```
    pub fn out_dir(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(path.as_ref().to_owned());
        self
    }

    /// Whether [`Builder::compile`] prints `cargo:rerun-if-changed` for each spec and for
    /// `build.rs` (default: yes). Once a build script prints one such line, cargo reruns it
    /// only when a listed path changes, so both the specs and the script itself are listed.
    /// Turn it off when calling the builder outside a build script.
    ///
    /// ```no_run
    /// databag_codegen::Builder::new()
    ///     .spec("spec/valkey_client/v1.yaml")
    ///     .out_dir("/tmp/bindings")
    ///     .emit_rerun_if_changed(false)
    ///     .compile()
    ///     .unwrap();
    /// ```
    pub fn emit_rerun_if_changed(&mut self, enabled: bool) -> &mut Self {
        self.emit_rerun_if_changed = enabled;
        self
    }

    /// The spec files this builder reads: the [`Builder::spec`] paths, then each
    /// [`Builder::spec_dir`]'s specs.
    ///
    /// ```no_run
    /// let files = databag_codegen::Builder::new().spec_dir("spec").spec_files().unwrap();
    /// assert!(files.iter().all(|f| f.extension().is_some_and(|e| e == "yaml")));
    /// ```
    pub fn spec_files(&self) -> Result<Vec<PathBuf>, Error> {
        let mut files = self.specs.clone();
        for dir in &self.spec_dirs {
            files.extend(find_specs(dir)?);
        }
        if files.is_empty() {
            return Err(Error::NoSpecs);
        }
        Ok(files)
    }

    /// Loads and validates every spec. All specs are loaded before failing, so every
    /// problem of every spec is reported at once.
    ///
    /// ```no_run
    /// let interfaces = databag_codegen::Builder::new()
    ///     .spec("spec/valkey_client/v1.yaml")
    ///     .load()
    ///     .unwrap();
    /// assert_eq!(interfaces[0].name, "valkey_client");
    /// ```
    pub fn load(&self) -> Result<Vec<Interface>, Error> {
        let mut interfaces = Vec::new();
        let mut problems = Vec::new();
        for file in self.spec_files()? {
            match Interface::load(&file) {
                Ok(interface) => interfaces.push(interface),
                Err(diagnostics) => problems.push(diagnostics.to_string()),
            }
        }
        if problems.is_empty() {
            Ok(interfaces)
        } else {
            Err(Error::Spec {
                diagnostics: problems
                    .iter()
                    .map(|p| p.trim_end())
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
        }
    }

    /// The Rust bindings of every spec, without writing anything: one [`Artifact`] per spec
    /// whose path is the file name [`Builder::compile`] would write (`valkey_client_v1.rs`).
    ///
    /// ```no_run
    /// let artifacts = databag_codegen::Builder::new()
    ///     .spec("spec/valkey_client/v1.yaml")
    ///     .generate()
    ///     .unwrap();
    /// assert_eq!(artifacts[0].path, std::path::Path::new("valkey_client_v1.rs"));
    /// assert!(artifacts[0].contents.starts_with("// @generated by databag-codegen"));
    /// ```
    pub fn generate(&self) -> Result<Vec<Artifact>, Error> {
        Ok(self
            .load()?
            .iter()
            .map(|interface| Artifact {
                path: PathBuf::from(format!("{}_v{}.rs", interface.name, interface.version)),
                contents: emit::rust::render(interface),
            })
            .collect())
    }

    /// Generates the bindings and writes each into the output directory, leaving files whose
    /// contents did not change untouched (so nothing downstream rebuilds). From a build script,
    /// also prints `cargo:rerun-if-changed` for every spec and for `build.rs`, before loading,
    /// so that fixing a broken spec reruns the script.
    ///
    /// ```no_run
    /// // In build.rs's `main`:
    /// databag_codegen::Builder::new()
    ///     .spec("../spec/valkey_client/v1.yaml")
    ///     .compile()
    ///     .unwrap_or_else(|error| panic!("{error}"));
    /// ```
    pub fn compile(&self) -> Result<(), Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        if self.emit_rerun_if_changed {
            for file in self.spec_files()? {
                println!("cargo:rerun-if-changed={}", file.display());
            }
            for dir in &self.spec_dirs {
                println!("cargo:rerun-if-changed={}", dir.display());
            }
            println!("cargo:rerun-if-changed=build.rs");
        }
        for artifact in self.generate()? {
            let path = out_dir.join(&artifact.path);
            emit::write_if_changed(&path, &artifact.contents)
                .map_err(|source| Error::Io { path, source })?;
        }
        Ok(())
    }
}

/// The specs of a spec directory: `<dir>/<interface>/v<N>.yaml`, sorted by path.
///
/// ```no_run
/// let specs = databag_codegen::builder::find_specs("spec".as_ref()).unwrap();
/// # let _ = specs;
/// ```
pub fn find_specs(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let mut specs = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let interface = entry.map_err(io_error(dir))?.path();
        if !interface.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&interface).map_err(io_error(&interface))? {
            let file = entry.map_err(io_error(&interface))?.path();
            let versioned = file
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.strip_prefix('v'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if versioned && file.extension().is_some_and(|e| e == "yaml") {
                specs.push(file);
            }
        }
    }
    specs.sort();
    Ok(specs)
}

/// Why generation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A spec has problems; each line is `file:line:col: message`.
    Spec {
        /// The loader's report, one problem per line, every failing spec included.
        diagnostics: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No spec was given (and the spec directories hold none).
    NoSpecs,
    /// No output directory was set and `OUT_DIR` is unset (not running in a build script).
    NoOutDir,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec { diagnostics } => f.write_str(diagnostics),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::NoSpecs => {
                f.write_str("no spec files given (Builder::spec or Builder::spec_dir)")
            }
            Error::NoOutDir => f.write_str(
                "OUT_DIR is not set: call Builder::out_dir when not running in a build script",
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
