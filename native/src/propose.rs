//! `native-sweep propose`: from a finished sweep of many axes to a sweep
//! file over the pair that interacts most (or the pair asked for), the
//! other axes fixed at the best cell (`sweeplab_core::analysis::pair_sweep`).
//! From a random or TPE scan, the pair is ranked by fANOVA and its levels
//! spread over the region the scan's best configurations lie in.

use sweeplab_core::analysis::{importance, pair_sweep, scan_importance, strongest_pair};

use crate::cli::ProposeArgs;
use crate::error::{CliError, input};
use crate::results::{ResultsDir, write_atomic};
use crate::show::parse_metric;

/// Run the command.
pub fn propose(args: &ProposeArgs) -> Result<i32, CliError> {
    let results = ResultsDir::open(&crate::bundle::results_path(&args.dir)?)?;
    let records = results.records()?;
    let spec = &results.spec;
    let metric = args
        .metric
        .as_deref()
        .map(parse_metric)
        .transpose()?
        .unwrap_or(spec.metric);
    let (a, b, why) = match &args.pair {
        Some(pair) => {
            let [a, b] = pair.split(',').map(str::trim).collect::<Vec<_>>()[..] else {
                return Err(input(format!(
                    "--pair: {pair:?}: expected two axis paths separated by a comma"
                )));
            };
            (a.to_string(), b.to_string(), "asked for".to_string())
        }
        None if !spec.is_grid() => {
            let ranked = scan_importance(spec, &records, metric)?;
            let (a, b) = ranked
                .strongest_pair()
                .ok_or_else(|| input("the scan has fewer than two axes: no pair to grid"))?;
            let share = ranked.pairs[0].share;
            (
                a,
                b,
                format!("the strongest interaction, fANOVA share {share:.2}"),
            )
        }
        None => {
            let axes: Vec<String> = spec.axes.iter().map(|a| a.path.clone()).collect();
            let ranked = importance(&records, &axes, metric)?;
            let (a, b) = strongest_pair(&ranked)
                .ok_or_else(|| input("the sweep has fewer than two axes: no pair to grid"))?;
            let eta = ranked.pairs[0].partial_eta_sq.unwrap_or(0.0);
            (
                a,
                b,
                format!("the strongest interaction, partial η² {eta:.2}"),
            )
        }
    };
    let proposed = pair_sweep(spec, &records, (&a, &b), metric)?;
    proposed.validate().map_err(|e| input(e.to_string()))?;
    let toml = proposed.to_toml();
    match &args.out {
        Some(out) => {
            write_atomic(out, toml.as_bytes())?;
            eprintln!(
                "{}: {a} × {b} ({why}), {} trials; run it with `native-sweep run {} --out results/{}`",
                out.display(),
                proposed.trial_count(),
                out.display(),
                proposed.name
            );
        }
        None => print!("{toml}"),
    }
    Ok(0)
}
