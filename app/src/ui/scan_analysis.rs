//! The analysis of a random or TPE scan, which has no grid of cells for a
//! heatmap: parallel coordinates of every trial, the scatter of a chosen
//! pair, which axes matter and which pairs interact (fANOVA, with "Grid of
//! this pair"), learning curves and the top runs.

use leptos::html::Canvas;
use leptos::prelude::*;

use sweeplab_core::analysis::{ScanImportance, Share, halving_line, scan_importance};
use sweeplab_core::plot::{draw_pair, draw_parallel};
use sweeplab_core::spec::{Metric, SweepSpec};

use super::analysis::{LearningCurves, TopRuns, open_pair_grid};
use super::canvas::{draw_on, export_png};
use super::state::AppState;

/// The analysis panel of the scan `spec`, over the records on screen.
#[component]
pub fn ScanAnalysis(state: AppState, spec: SweepSpec) -> impl IntoView {
    let paths: Vec<String> = spec.axes.iter().map(|a| a.path.clone()).collect();
    let metric = RwSignal::new(spec.metric);
    let source = StoredValue::new(spec.clone());
    let ranking = Memo::new(move |_| -> Result<ScanImportance, String> {
        let m = metric.get();
        source.with_value(|s| {
            state
                .records
                .with(|r| scan_importance(s, r, m).map_err(|e| e.to_string()))
        })
    });
    // The scatter's pair: the strongest interaction once it is known, else
    // the first two axes, until the user picks one.
    let chosen: RwSignal<Option<(String, String)>> = RwSignal::new(None);
    let first_two = (
        paths.first().cloned().unwrap_or_default(),
        paths.get(1).cloned().unwrap_or_default(),
    );
    let pair = Memo::new(move |_| {
        chosen.get().unwrap_or_else(|| {
            ranking
                .with(|r| r.as_ref().ok().and_then(|r| r.strongest_pair()))
                .unwrap_or_else(|| first_two.clone())
        })
    });

    let parallel = NodeRef::<Canvas>::new();
    let scatter = NodeRef::<Canvas>::new();
    let title = spec.name.clone();
    Effect::new(move |_| {
        let m = metric.get();
        let Some(c) = parallel.get() else { return };
        source.with_value(|s| {
            state.records.with(|r| {
                let _ = draw_on(&c, |area| draw_parallel(area, s, r, m, &title));
            })
        });
    });
    Effect::new(move |_| {
        let m = metric.get();
        let (a, b) = pair.get();
        let Some(c) = scatter.get() else { return };
        source.with_value(|s| {
            state.records.with(|r| {
                let _ = draw_on(&c, |area| {
                    draw_pair(area, s, r, (&a, &b), m, &format!("{a} × {b}"))
                });
            })
        });
    });

    let grid_of = move |a: String, b: String| {
        source.with_value(|s| open_pair_grid(state, s, &a, &b, metric.get_untracked()))
    };
    let row = move |e: &Share, kind: &'static str| {
        let pair = (e.axes.len() == 2).then(|| (e.axes[0].clone(), e.axes[1].clone()));
        view! {
            <tr class="effect" data-effect=e.name() data-kind=kind data-share=format!("{:.6}", e.share)>
                <td>{e.name()}</td>
                <td>{format!("{:.2}", e.share)}</td>
                <td>{format!("{:.2} to {:.2}", e.interval.0, e.interval.1)}</td>
                <td>{pair.map(|(a, b)| view! {
                    <button class="grid-of" title="a new sweep over this pair: levels spread over the region the scan found good, the other axes at the best configuration, 3 repeats or more"
                        on:click=move |_| grid_of(a.clone(), b.clone())>"Grid of this pair"</button>
                })}</td>
            </tr>
        }
    };
    let select_pair = move |which: usize, paths: Vec<String>| {
        view! {
            <select class="pair-axis" id=if which == 0 { "pair-x" } else { "pair-y" } on:change=move |ev| {
                let v = event_target_value(&ev);
                let (mut a, mut b) = pair.get_untracked();
                if which == 0 { a = v } else { b = v }
                chosen.set(Some((a, b)));
            }>
                {paths.into_iter().map(|p| {
                    let p2 = p.clone();
                    view! { <option value=p.clone() selected=move || { let (a, b) = pair.get(); if which == 0 { a == p2 } else { b == p2 } }>{p.clone()}</option> }
                }).collect_view()}
            </select>
        }
    };

    view! {
        <section class="panel" aria-labelledby="analysis-title">
            <h3 id="analysis-title">"Scan: which axes matter"</h3>
            <p class="muted">"A random or TPE scan has no grid of cells, so no heatmap: use it to find the pair that matters, then run a grid of that pair."</p>
            {move || source.with_value(|s| state.records.with(|r| halving_line(s, r)))
                .map(|line| view! { <p class="note" id="halving-note">{line}</p> })}
            <div class="row">
                <label>"colour "
                    <select id="heat-metric" on:change=move |ev| {
                        if let Ok(m) = event_target_value(&ev).parse::<Metric>() { metric.set(m) }
                    }>
                        {Metric::ALL.iter().map(|m| view! { <option value=m.name() selected=move || metric.get() == *m>{m.name()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <canvas node_ref=parallel class="plot" id="parallel" role="img"
                aria-label="parallel coordinates: one line per trial over the axes and the metric, coloured by the metric"></canvas>
            <div class="row">
                <button on:click=move |_| export_png(&parallel, "parallel.png")>"Parallel coordinates PNG"</button>
            </div>
            {move || match ranking.get() {
                Ok(imp) => view! {
                    <h4>{format!("Which axes matter for {} (fANOVA of a random forest over {} configurations)", imp.metric.name(), imp.configurations)}</h4>
                    <table class="anova" id="importance">
                        <thead><tr><th>"axis, then pairs by interaction strength"</th><th>"share of variance"</th><th>"90% of bootstrap refits"</th><th></th></tr></thead>
                        <tbody>
                            {imp.axes.iter().map(|e| row(e, "axis")).collect_view()}
                            {imp.pairs.iter().map(|e| row(e, "pair")).collect_view()}
                        </tbody>
                    </table>
                    <p class="muted" id="importance-caveat">"Shares come from random forests fitted here. native-sweep show fits them to the same records, but its random draws differ on 64-bit machines, so a share there may differ by a few hundredths."</p>
                }.into_any(),
                Err(e) => view! { <p class="muted" id="importance-note">{format!("Which axes matter: {e}")}</p> }.into_any(),
            }}
            <div class="row">
                <label>"pair " {select_pair(0, paths.clone())}</label>
                <label>" × " {select_pair(1, paths.clone())}</label>
            </div>
            <div class="plots2">
                <canvas node_ref=scatter class="plot half" id="pair-scatter" role="img"
                    aria-label="the two chosen axes as a scatter of the trials, coloured by the metric"></canvas>
                <LearningCurves state metric=metric.into() />
            </div>
            <TopRuns state metric=metric.into() />
        </section>
    }
}
