//! The analysis of a sweep: heatmap of any two axes (others averaged or
//! fixed), its cells as a table, the interaction statistic and ANOVA table,
//! which axes matter and which pairs interact, marginal means, learning
//! curves and the top runs, with PNG/SVG export.

use leptos::html::Canvas;
use leptos::prelude::*;

use sweeplab_core::analysis::{
    Heatmap, HeatmapRequest, OtherAxes, axis_levels, importance, interaction_anova,
    interaction_line, marginal_means, pair_sweep, ranked, sweep_heatmap,
};
use sweeplab_core::plot::{
    draw_curves, draw_heatmap, draw_marginals, format_value, heatmap_svg_string, interval_label,
};
use sweeplab_core::spec::{Metric, SweepSpec, value_label};

use super::canvas::{draw_on, export_png};
use super::state::AppState;
use crate::browser::download;
use crate::form::SweepForm;

/// The analysis panel of the sweep `spec` (stored under `key`), over the
/// records on screen: its heatmap shows the whole grid from the start, the
/// cells training now and those still pending marked.
#[component]
pub fn Analysis(state: AppState, key: String, spec: SweepSpec) -> impl IntoView {
    let paths: Vec<String> = spec.axes.iter().map(|a| a.path.clone()).collect();
    // Start from the sweep's default heatmap, as the CLI and the report do.
    let default = HeatmapRequest::default_for(&spec);
    let x = RwSignal::new(default.as_ref().map(|d| d.x.clone()).unwrap_or_default());
    let y = RwSignal::new(default.as_ref().map(|d| d.y.clone()).unwrap_or_default());
    let metric = RwSignal::new(spec.metric);
    // Values of the axes that are neither x nor y: "" = averaged.
    let fixed: RwSignal<Vec<(String, String)>> = RwSignal::new(Vec::new());
    let title = spec.name.clone();

    let request = Memo::new(move |_| {
        let others = fixed.with(|f| {
            let chosen: Vec<(String, serde_json::Value)> = f
                .iter()
                .filter(|(p, v)| !v.is_empty() && *p != x.get() && *p != y.get())
                .filter_map(|(p, v)| {
                    state.records.with(|r| {
                        axis_levels(r, p)
                            .into_iter()
                            .find(|l| value_label(l) == *v)
                            .map(|l| (p.clone(), l))
                    })
                })
                .collect();
            if chosen.is_empty() {
                OtherAxes::Averaged
            } else {
                OtherAxes::Fixed(chosen)
            }
        });
        HeatmapRequest {
            x: x.get(),
            y: y.get(),
            metric: metric.get(),
            others,
            allow_mixed_budgets: false,
        }
    });
    // The trials of this sweep training now (changes per trial, not per batch).
    let running = Memo::new(move |_| {
        state.live.with(|l| {
            if l.sweep_key.as_deref() == Some(key.as_str()) {
                l.current.keys().copied().collect::<Vec<usize>>()
            } else {
                Vec::new()
            }
        })
    });
    let grid_spec = spec.clone();
    let map = Memo::new(move |_| -> Result<Heatmap, String> {
        let req = request.get();
        let running = running.get();
        state
            .records
            .with(|r| sweep_heatmap(&grid_spec, r, &req, &running).map_err(|e| e.to_string()))
    });
    let anova = Memo::new(move |_| {
        let req = request.get();
        state.records.with(|r| {
            interaction_anova(r, &req)
                .map(|t| (interaction_line(&t, &req.x, &req.y), t))
                .map_err(|e| e.to_string())
        })
    });

    // Which axes matter and which pairs interact (the full grid's N-way
    // ANOVA): shown once every cell has the same number (≥ 2) of finished
    // trials; with more than two axes, why not until then.
    let axis_paths = paths.clone();
    let ranking = Memo::new(move |_| {
        let m = metric.get();
        state
            .records
            .with(|r| importance(r, &axis_paths, m).map_err(|e| e.to_string()))
    });
    let many_axes = paths.len() > 2;
    let source = StoredValue::new(spec.clone());
    let grid_of = move |a: String, b: String| {
        source.with_value(|src| open_pair_grid(state, src, &a, &b, metric.get_untracked()))
    };

    let heat_canvas = NodeRef::<Canvas>::new();
    let marg_canvas = NodeRef::<Canvas>::new();
    let title_h = title.clone();
    Effect::new(move |_| {
        let Ok(h) = map.get() else { return };
        if let Some(c) = heat_canvas.get() {
            let _ = draw_on(&c, |area| draw_heatmap(area, &h, &title_h));
        }
    });
    Effect::new(move |_| {
        let req = request.get();
        let Some(c) = marg_canvas.get() else { return };
        let marginals = state.records.with(|r| marginal_means(r, &req));
        if let Ok(m) = marginals {
            let _ = draw_on(&c, |area| draw_marginals(area, &m, &req.x, req.metric));
        }
    });

    let title_svg = title.clone();
    let export_svg = move |_| {
        if let Ok(h) = map.get_untracked()
            && let Ok(svg) = heatmap_svg_string(&h, &title_svg, (900, 700))
        {
            download("heatmap.svg", "image/svg+xml", svg.as_bytes());
        }
    };

    let axis_select = move |label: &'static str,
                            id: &'static str,
                            signal: RwSignal<String>,
                            paths: Vec<String>| {
        view! {
            <label>{label}
                <select id=id on:change=move |ev| signal.set(event_target_value(&ev))>
                    {paths.into_iter().map(|p| {
                        let p2 = p.clone();
                        view! { <option value=p.clone() selected=move || signal.get() == p2>{p.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let others_view = {
        let paths = paths.clone();
        move || {
            paths
                .iter()
                .filter(|p| **p != x.get() && **p != y.get())
                .map(|p| {
                    let levels: Vec<String> = state.records.with(|r| axis_levels(r, p).iter().map(value_label).collect());
                    let path = p.clone();
                    let path2 = p.clone();
                    view! {
                        <label>{format!("{p}: ")}
                            <select on:change=move |ev| {
                                let v = event_target_value(&ev);
                                let path = path.clone();
                                fixed.update(|f| { f.retain(|(q, _)| *q != path); f.push((path, v)); });
                            }>
                                <option value="">"averaged"</option>
                                {levels.into_iter().map(|l| {
                                    let l2 = l.clone();
                                    let path3 = path2.clone();
                                    view! { <option value=l.clone() selected=move || fixed.with(|f| f.iter().any(|(q, v)| *q == path3 && *v == l2))>{l.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    }
                })
                .collect_view()
        }
    };

    view! {
        <section class="panel" aria-labelledby="analysis-title">
            <h3 id="analysis-title">"Heatmap and interaction"</h3>
            <div class="row">
                {axis_select("x ", "heat-x", x, paths.clone())}
                {axis_select("y ", "heat-y", y, paths.clone())}
                <label>"colour "
                    <select id="heat-metric" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Ok(m) = v.parse::<Metric>() { metric.set(m) }
                    }>
                        {Metric::ALL.iter().map(|m| view! { <option value=m.name() selected=move || metric.get() == *m>{m.name()}</option> }).collect_view()}
                    </select>
                </label>
                {others_view}
            </div>
            {move || map.get().err().map(|e| view! { <p class="muted" id="heatmap-empty">{e}</p> })}
            <canvas node_ref=heat_canvas class="plot" id="heatmap" role="img"
                aria-label="heatmap of the metric over the two axes; the table below lists the same values"></canvas>
            <div class="row">
                <button on:click=move |_| export_png(&heat_canvas, "heatmap.png")>"Heatmap PNG"</button>
                <button on:click=export_svg>"Heatmap SVG"</button>
            </div>
            <details open>
                <summary>"Cells (mean, 95% CI, n)"</summary>
                <table id="heatmap-table">
                    <thead><tr><th>{move || x.get()}</th><th>{move || y.get()}</th><th>"mean"</th><th>"95% CI"</th><th>"n"</th><th>"diverged"</th><th>"to come"</th></tr></thead>
                    <tbody>
                        {move || map.get().ok().map(|h| h.cells.iter().map(|c| {
                            let s = c.summary;
                            view! {
                                <tr class="cell" data-x=h.x_labels[c.x].clone() data-y=h.y_labels[c.y].clone()
                                    data-mean=s.map(|s| format!("{:.6}", s.mean)).unwrap_or_default()
                                    data-n=s.map_or(0, |s| s.n).to_string()
                                    data-pending=c.pending.to_string() data-running=c.running.to_string()>
                                    <td>{h.x_labels[c.x].clone()}</td>
                                    <td>{h.y_labels[c.y].clone()}</td>
                                    <td>{s.map(|s| format_value(s.mean)).unwrap_or_else(|| "—".into())}</td>
                                    <td>{s.map(|s| interval_label(&s, h.metric)).unwrap_or_default()}</td>
                                    <td>{s.map_or(0, |s| s.n)}</td>
                                    <td>{c.diverged}</td>
                                    <td>{match (c.running, c.pending) {
                                        (0, 0) => String::new(),
                                        (r, 0) => format!("{r} running"),
                                        (0, p) => format!("{p} pending"),
                                        (r, p) => format!("{r} running, {p} pending"),
                                    }}</td>
                                </tr>
                            }
                        }).collect_view())}
                    </tbody>
                </table>
            </details>
            <p id="interaction"><strong>{move || anova.get().map(|(line, _)| line).unwrap_or_else(|e| format!("Interaction: {e}"))}</strong></p>
            {move || anova.get().ok().map(|(_, t)| view! {
                <table class="anova" id="anova-table">
                    <thead><tr><th>"source"</th><th>"SS"</th><th>"df"</th><th>"MS"</th><th>"F"</th><th>"p"</th><th>"partial η²"</th></tr></thead>
                    <tbody>
                        {t.rows.iter().map(|r| {
                            let source = match r.source.as_str() { "A" => x.get(), "B" => y.get(), "A×B" => format!("{} × {}", x.get(), y.get()), s => s.to_string() };
                            view! { <tr>
                                <td>{source}</td><td>{format!("{:.4}", r.ss)}</td><td>{r.df}</td><td>{format!("{:.4}", r.ms)}</td>
                                <td>{r.f.map(|f| format!("{f:.2}")).unwrap_or_default()}</td>
                                <td>{r.p.map(|p| format!("{p:.3}")).unwrap_or_default()}</td>
                                <td>{r.partial_eta_sq.map(|e| format!("{e:.2}")).unwrap_or_default()}</td>
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {move || match ranking.get() {
                Ok(imp) => {
                    let row = |e: &sweeplab_core::analysis::Effect, kind: &'static str| view! {
                        <tr class="effect" data-effect=e.name() data-kind=kind
                            data-eta=e.partial_eta_sq.map(|v| format!("{v:.6}")).unwrap_or_default()>
                            <td>{e.name()}</td>
                            <td>{e.partial_eta_sq.map(|v| format!("{v:.2}")).unwrap_or_default()}</td>
                            <td>{e.f.map(|f| format!("F({}, {}) = {f:.2}", e.df, imp.within.1)).unwrap_or_default()}</td>
                            <td>{e.p.map(|p| if p < 0.001 { "< 0.001".to_string() } else { format!("{p:.3}") }).unwrap_or_default()}</td>
                            <td>{(e.axes.len() == 2).then(|| {
                                let (a, b) = (e.axes[0].clone(), e.axes[1].clone());
                                view! { <button class="grid-of" title="a new sweep over this pair, the other axes at the best cell, 3 repeats or more"
                                    on:click=move |_| grid_of(a.clone(), b.clone())>"Grid of this pair"</button> }
                            })}</td>
                        </tr>
                    };
                    Some(view! {
                        <h4>{format!("Which axes matter for {} ({} trials, {} per cell)", imp.metric.name(), imp.n, imp.repeats)}</h4>
                        <table class="anova" id="importance">
                            <thead><tr><th>"axis, then pairs by interaction strength"</th><th>"partial η²"</th><th>"F"</th><th>"p"</th><th></th></tr></thead>
                            <tbody>
                                {imp.axes.iter().map(|e| row(e, "axis")).collect_view()}
                                {imp.pairs.iter().map(|e| row(e, "pair")).collect_view()}
                            </tbody>
                        </table>
                    }.into_any())
                }
                Err(e) if many_axes => Some(view! { <p class="muted" id="importance-note">{format!("Which axes matter: {e}")}</p> }.into_any()),
                Err(_) => None,
            }}
            <div class="plots2">
                <canvas node_ref=marg_canvas class="plot half" role="img" aria-label="marginal means of the x axis per y value"></canvas>
                <LearningCurves state metric=metric.into() />
            </div>
            <TopRuns state metric=metric.into() />
        </section>
    }
}

/// "Grid of this pair": the new-sweep form filled in with a sweep over axes
/// `a` and `b` of `spec`, the other axes at the best cell or configuration
/// (core::analysis::pair_sweep, the file `native-sweep propose` writes).
pub(super) fn open_pair_grid(state: AppState, spec: &SweepSpec, a: &str, b: &str, metric: Metric) {
    let proposed = state.records.with(|r| pair_sweep(spec, r, (a, b), metric));
    match proposed {
        Ok(p) => {
            state.shared.set(Some(SweepForm::from_spec(&p)));
            state.show(None);
        }
        Err(e) => state.notice.set(Some(e.to_string())),
    }
}

/// The learning curves of the finished trials, for `metric`.
#[component]
pub(super) fn LearningCurves(state: AppState, metric: Signal<Metric>) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        let m = metric.get();
        let Some(c) = canvas.get() else { return };
        state.records.with(|r| {
            let _ = draw_on(&c, |area| {
                draw_curves(area, r, m, &format!("{} per epoch", m.name()))
            });
        });
    });
    view! {
        <canvas node_ref=canvas class="plot half" role="img" aria-label="learning curves of the finished trials"></canvas>
    }
}

/// The five best trials for `metric`.
#[component]
pub(super) fn TopRuns(state: AppState, metric: Signal<Metric>) -> impl IntoView {
    view! {
        <h4>"Top runs"</h4>
        <table id="top-runs">
            <thead><tr><th>"#"</th><th>"cell"</th><th>"seed"</th><th>{move || metric.get().name()}</th><th>"status"</th><th>"seconds"</th></tr></thead>
            <tbody>
                {move || state.records.with(|r| ranked(r, metric.get()).into_iter().take(5).enumerate().map(|(i, t)| view! {
                    <tr>
                        <td>{i + 1}</td>
                        <td>{t.cell.iter().map(|a| format!("{}={}", a.path, value_label(&a.value))).collect::<Vec<_>>().join(", ")}</td>
                        <td>{t.seed}</td>
                        <td>{format_value(t.final_metric(metric.get()))}</td>
                        <td>{format!("{:?}", t.status).to_lowercase()}</td>
                        <td>{format!("{:.1}", t.seconds())}</td>
                    </tr>
                }).collect_view())}
            </tbody>
        </table>
    }
}
