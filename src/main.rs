//! The `ssnlab` binary: REPL, script runner, syntax checker and documentation browser.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// ssnlab: operational regimes of recurrent E-I circuits (SSN theory, LIF mean field,
/// spiking simulation), scripted with Rhai. With no command, opens the REPL.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Do not read or write the REPL history file.
    #[arg(long, global = true)]
    no_history: bool,
    /// Hide progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Worker threads for the whole process (default: SSNLAB_THREADS, then
    /// SLURM_CPUS_PER_TASK, then the CPUs this process may use: affinity and cgroup quota).
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// Memory limit for native computations, e.g. 16G or 512M (default: the cgroup limit or
    /// the available RAM; also SSNLAB_MAX_MEMORY).
    #[arg(long, global = true, value_name = "SIZE")]
    max_memory: Option<String>,
    /// Stop a script after this many Rhai operations (for untrusted scripts; default none).
    #[arg(long, global = true, value_name = "N")]
    max_ops: Option<u64>,
    /// Sandbox the script's files: read only below the script's folder, --allow-read folders
    /// and the output folder; write only below the output folder (see `ssnlab doc files`).
    #[arg(long, global = true)]
    sandbox: bool,
    /// Output folder of a sandboxed run (default: the script's own `--out DIR` argument, else
    /// ./out).
    #[arg(long, global = true, value_name = "DIR")]
    write_root: Option<PathBuf>,
    /// A further folder a sandboxed script may read (data); repeatable.
    #[arg(long, global = true, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a script; the script sees the remaining arguments as the string array ARGS.
    Run {
        /// The .rhai script.
        file: PathBuf,
        /// Arguments passed to the script as ARGS.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Compile a script and resolve its imports without running it; reports syntax errors,
    /// missing modules and import cycles with line and column.
    Check {
        /// The .rhai script.
        file: PathBuf,
    },
    /// List every registered type, function and topic; with NAME, show that one in full.
    Doc {
        /// A function, type, `Type.method`, module, `module::function` or topic (e.g. `units`).
        name: Option<String>,
        /// Search every doc for a word and list where it appears.
        #[arg(long, value_name = "WORD")]
        search: Option<String>,
    },
    /// Run a sweep script (a top-level `grid` and `fn point(p)`), or one shard of it, into
    /// an output folder; resumes where a killed run stopped. Also: `sweep status DIR`,
    /// `sweep merge DIR`, `sweep slurm FILE ...` (see `ssnlab doc sweep`).
    Sweep(Box<SweepArgs>),
    /// Open the REPL (the default).
    Repl,
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct SweepArgs {
    #[command(subcommand)]
    cmd: Option<SweepCmd>,
    #[command(flatten)]
    run: SweepRun,
}

#[derive(clap::Args)]
struct SweepRun {
    /// The sweep script.
    file: Option<PathBuf>,
    /// Output folder (records, manifest, merged results).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only shard I of N (round-robin over the point indices), e.g. 3/8.
    #[arg(long, value_name = "I/N")]
    shard: Option<ssnlab::sweep::Shard>,
    /// Arguments passed to the script as ARGS.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Subcommand)]
enum SweepCmd {
    /// Done, failed and missing points per shard.
    Status {
        /// The sweep's output folder.
        dir: PathBuf,
    },
    /// Check completeness and write DIR/results.csv (grid order) with a JSON sidecar.
    Merge {
        /// The sweep's output folder.
        dir: PathBuf,
    },
    /// Write a SLURM job array (one task per shard) and a merge job; --submit submits them.
    Slurm {
        /// The sweep script.
        file: PathBuf,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Array tasks (shards).
        #[arg(long)]
        tasks: usize,
        /// CPUs per task (each task runs with --threads set to it).
        #[arg(long, default_value_t = 1)]
        cpus_per_task: usize,
        /// Time limit per task, SLURM format (e.g. 2:00:00).
        #[arg(long)]
        time: Option<String>,
        /// Partition.
        #[arg(long)]
        partition: Option<String>,
        /// Memory per task, SLURM format (e.g. 4G).
        #[arg(long)]
        mem: Option<String>,
        /// Submit with sbatch and print the job ids.
        #[arg(long)]
        submit: bool,
        /// Arguments passed to the script as ARGS.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn sweep_cmd(a: SweepArgs) -> Result<(), String> {
    use ssnlab::sweep;
    match a.cmd {
        Some(SweepCmd::Status { dir }) => sweep::status(&dir).map(|s| print!("{s}")),
        Some(SweepCmd::Merge { dir }) => sweep::merge(&dir).map(|s| println!("{s}")),
        Some(SweepCmd::Slurm {
            file,
            out,
            tasks,
            cpus_per_task,
            time,
            partition,
            mem,
            submit,
            args,
        }) => {
            let o = sweep::SlurmOpts {
                tasks,
                cpus_per_task,
                time,
                partition,
                mem,
            };
            let (sf, mf) = sweep::slurm_scripts(&file, &out, &o, &args)?;
            println!("wrote {} and {}", sf.display(), mf.display());
            if submit {
                let (array, merge) = sweep::submit(&sf, &mf)?;
                println!("submitted array job {array} and merge job {merge} (afterok:{array})");
            }
            Ok(())
        }
        None => {
            let r = a.run;
            let file = r
                .file
                .ok_or("usage: ssnlab sweep FILE.rhai --out DIR [--shard I/N] [ARGS...]")?;
            let out = r
                .out
                .ok_or("ssnlab sweep needs --out DIR (the results folder)")?;
            ssnlab::numerics::context::install_handler();
            let shard = r.shard.unwrap_or(sweep::Shard::ALL);
            let s = sweep::run(&file, &out, shard, &r.args)?;
            eprintln!(
                "shard {}/{}: {} points computed, {} already done, {} failed, {:.1} s",
                shard.i,
                shard.n,
                s.computed,
                s.skipped,
                s.failed.len(),
                s.wall_s
            );
            if s.failed.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} points failed: {}",
                    s.failed.len(),
                    s.failed
                        .iter()
                        .map(|(i, _)| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ssnlab::numerics::context::set_quiet(cli.quiet);
    if let Some(n) = cli.threads {
        // SAFETY: called before any other thread of this process exists.
        unsafe { std::env::set_var("SSNLAB_THREADS", n.to_string()) };
    }
    ssnlab::numerics::context::init_threads();
    if let Some(m) = &cli.max_memory {
        match ssnlab::numerics::memory::parse_size(m) {
            Ok(b) => ssnlab::numerics::memory::set_limit(b),
            Err(e) => {
                eprintln!("--max-memory: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(n) = cli.max_ops {
        ssnlab::script::set_max_operations(n);
    }
    let result = match cli.command {
        None | Some(Cmd::Repl) => {
            let sandboxed = if cli.sandbox {
                let mut read = vec![PathBuf::from(".")];
                read.extend(cli.allow_read.iter().cloned());
                let out = cli
                    .write_root
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("out"));
                ssnlab::io::sandbox::set(Some((read, vec![out]))).map_err(|e| e.to_string())
            } else {
                Ok(())
            };
            sandboxed.and_then(|()| ssnlab::repl::run(!cli.no_history))
        }
        Some(Cmd::Run { file, args }) => {
            ssnlab::numerics::context::install_handler();
            let sandboxed = if cli.sandbox {
                let script_dir = file
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), |p| p.to_path_buf());
                let from_args = args
                    .iter()
                    .position(|a| a == "--out")
                    .and_then(|i| args.get(i + 1))
                    .map(PathBuf::from);
                let out = cli
                    .write_root
                    .clone()
                    .or(from_args)
                    .unwrap_or_else(|| PathBuf::from("out"));
                let mut read = vec![script_dir];
                read.extend(cli.allow_read.iter().cloned());
                ssnlab::io::sandbox::set(Some((read, vec![out]))).map_err(|e| e.to_string())
            } else {
                Ok(())
            };
            sandboxed.and_then(|()| ssnlab::script::run_file(&file, &args))
        }
        Some(Cmd::Sweep(a)) => sweep_cmd(*a),
        Some(Cmd::Check { file }) => {
            ssnlab::script::check_file(&file).map(|_| println!("{}: ok", file.display()))
        }
        Some(Cmd::Doc { name, search }) => {
            let (_, docs) = ssnlab::script::build_engine_in(None);
            let w = ssnlab::docs::term_width();
            match (name, search) {
                (_, Some(q)) => {
                    let hits = docs.search(&q);
                    if hits.is_empty() {
                        Err(format!("nothing in the docs mentions `{q}`"))
                    } else {
                        ssnlab::docs::page(&ssnlab::docs::wrap(&hits, w));
                        Ok(())
                    }
                }
                (None, None) => {
                    ssnlab::docs::page(&ssnlab::docs::wrap(&docs.render_index(), w));
                    Ok(())
                }
                (Some(n), None) => match docs.render(&n) {
                    Some(s) => {
                        ssnlab::docs::page(&ssnlab::docs::wrap(&s, w));
                        Ok(())
                    }
                    None => {
                        let near = docs.suggest(&n);
                        Err(format!(
                            "no documentation for `{n}`{}; `ssnlab doc` lists everything, `ssnlab doc --search WORD` searches",
                            if near.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    " (did you mean {}?)",
                                    near.iter()
                                        .map(|x| format!("`{x}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            }
                        ))
                    }
                },
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
