//! Draws a laid-out [`Diagram`] as inline SVG: boxes, Bézier edges, labels. Colours are CSS
//! classes (`sev-error`, `sev-warning`, `sev-note`) defined in style.css, so the page's
//! palette lives in one place; every string from the report is escaped.

use std::fmt::Write;

use super::escape::{clip, escape};
use super::layout::{Diagram, Edge, GroupBox, Point, Rect, BADGES_X, NODES_X};
use super::placement::{Mark, Placement, Spot};
use crate::model::Scheme;
use crate::probe::observe::Observed;
use crate::report::topology::{NodeView, TargetGroupView, Topology};

/// Most characters of a badge or an edge label line before it is clipped.
const LABEL_CHARS: usize = 38;
/// Most rule labels under one client edge; the rest are counted.
const EDGE_LABELS: usize = 3;

/// The CSS class of a mark's colour, with `baselined` (drawn dashed) when all its findings are
/// accepted by the baseline.
fn class(mark: Option<&Mark>) -> String {
    match mark {
        None => String::new(),
        Some(m) => format!(
            " sev-{}{}",
            m.severity.as_str(),
            if m.baselined { " baselined" } else { "" }
        ),
    }
}

/// `<title>` listing a mark's labels, for the tooltip of what it colours.
fn tooltip(out: &mut String, text: &str) {
    let _ = write!(out, "<title>{}</title>", escape(text));
}

fn text(out: &mut String, p: Point, class: &str, content: &str) {
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" class="{class}">{}</text>"#,
        p.x,
        p.y,
        escape(content)
    );
}

fn rect(out: &mut String, r: &Rect, class: &str) {
    let _ = write!(
        out,
        r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" class="{class}"/>"#,
        r.x, r.y, r.w, r.h
    );
}

/// An edge as a horizontal S-curve, with its labels as tooltip.
fn edge(out: &mut String, e: &Edge) {
    let dx = (e.to.x - e.from.x) / 2.0;
    let _ = write!(
        out,
        r#"<path class="edge{}" d="M{:.1} {:.1}C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}">"#,
        class(e.mark.as_ref()),
        e.from.x,
        e.from.y,
        e.from.x + dx,
        e.from.y,
        e.to.x - dx,
        e.to.y,
        e.to.x,
        e.to.y
    );
    if let Some(m) = &e.mark {
        tooltip(out, &m.labels.join("\n"));
    }
    out.push_str("</path>");
}

/// A mark's labels as one badge line: the first, and how many more (all in the tooltip).
fn badge(out: &mut String, at: Point, mark: &Mark) {
    let first = mark.labels.first().map(String::as_str).unwrap_or_default();
    let rest = mark.labels.len().saturating_sub(1);
    let line = if rest > 0 {
        format!("{} +{rest}", clip(first, LABEL_CHARS - 4))
    } else {
        clip(first, LABEL_CHARS)
    };
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" class="label{}">{}"#,
        at.x,
        at.y,
        class(Some(mark)),
        escape(&line)
    );
    tooltip(out, &mark.labels.join("\n"));
    out.push_str("</text>");
}

/// The picture of one ALB's paths as an `<svg>` element.
pub(super) fn render(
    out: &mut String,
    name: &str,
    scheme: Scheme,
    topology: &Topology,
    placement: &Placement,
    d: &Diagram,
    observed: Option<&Observed>,
) {
    let broken = d
        .client_edges
        .iter()
        .chain(&d.target_edges)
        .filter(|e| e.mark.is_some())
        .count();
    let _ = write!(
        out,
        r#"<svg class="paths" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img">"#,
        w = d.width,
        h = d.height
    );
    tooltip(
        out,
        &format!(
            "Paths of {name}: clients, {} ALB node(s), {} target group(s); {broken} marked edge(s)",
            topology.nodes.len(),
            topology.target_groups.len()
        ),
    );
    text(
        out,
        Point {
            x: d.clients.x,
            y: 22.0,
        },
        "heading",
        "clients",
    );
    text(
        out,
        Point {
            x: NODES_X,
            y: 22.0,
        },
        "heading",
        "ALB nodes, one per zone",
    );
    if let Some(g) = d.groups.first() {
        text(
            out,
            Point {
                x: g.rect.x,
                y: 22.0,
            },
            "heading",
            "target groups and targets",
        );
    }
    for e in d.client_edges.iter().chain(&d.target_edges) {
        edge(out, e);
    }
    clients(out, scheme, topology, placement, d);
    for (n, (r, view)) in d.nodes.iter().zip(&topology.nodes).enumerate() {
        node(out, topology, placement, d, n, r, view);
        if let Some(o) = observed {
            observed_label(out, d, r, view, o);
        }
    }
    for (g, (group, view)) in d.groups.iter().zip(&topology.target_groups).enumerate() {
        target_group(out, view, placement, g, group);
    }
    out.push_str("</svg>");
}

fn clients(
    out: &mut String,
    scheme: Scheme,
    topology: &Topology,
    placement: &Placement,
    d: &Diagram,
) {
    let r = &d.clients;
    rect(out, r, "box clients");
    text(
        out,
        Point {
            x: r.x + 12.0,
            y: r.y + 24.0,
        },
        "title",
        "clients",
    );
    let reach = match scheme {
        Scheme::InternetFacing => "from the internet",
        Scheme::Internal => "from private networks",
        Scheme::Unknown => "scheme unknown",
    };
    text(
        out,
        Point {
            x: r.x + 12.0,
            y: r.y + 44.0,
        },
        "",
        reach,
    );
    let listeners = match topology.listeners.len() {
        0 => "no listener".to_string(),
        1 => "1 listener".to_string(),
        n => format!("{n} listeners"),
    };
    text(
        out,
        Point {
            x: r.x + 12.0,
            y: r.y + 62.0,
        },
        "dim",
        &listeners,
    );
    // TLS findings sit on a listener, the same for every node: listed once, under the box,
    // framed in the colour of the worst of them.
    let top = r.bottom() + 6.0;
    let mut y = top + 16.0;
    let mut lines = String::new();
    let mut widest = 0;
    let mut worst: Option<&Mark> = None;
    for (l, listener) in topology.listeners.iter().enumerate() {
        if let Some(m) = placement.get(Spot::Listener(l)) {
            if worst.is_none_or(|w| m.severity > w.severity) {
                worst = Some(m);
            }
            for label in &m.labels {
                let line = format!("{} {}", listener.port, label);
                widest = widest.max(line.chars().count().min(LABEL_CHARS));
                badge(
                    &mut lines,
                    Point { x: r.x + 8.0, y },
                    &Mark {
                        labels: vec![line],
                        ..m.clone()
                    },
                );
                y += 15.0;
            }
        }
    }
    if let Some(w) = worst {
        let frame = Rect {
            x: r.x,
            y: top,
            // About 7 px a character of the 12.5 px label font, plus the margins.
            w: r.w.max(7.0 * widest as f64 + 16.0),
            h: y - top - 7.0,
        };
        rect(out, &frame, &format!("box tls{}", class(Some(w))));
        out.push_str(&lines);
    }
}

/// What takes a node out of clients' reach whatever its paths say, right-aligned on its title
/// line: a zonal shift (out of DNS) and VPC Block Public Access on its subnet, each with its
/// detail as tooltip.
fn node_states(out: &mut String, r: &Rect, view: &NodeView) {
    let mut states: Vec<(&str, &str, String)> = Vec::new();
    if let Some(until) = &view.out_of_dns_until {
        states.push((
            "out of DNS",
            "state shifted",
            format!("a zonal shift keeps this node out of DNS until {until}"),
        ));
    }
    if let Some(mode) = &view.public_access_blocked {
        states.push((
            "BPA blocked",
            "state blocked",
            format!(
                "VPC Block Public Access ({mode}) drops internet clients at {}",
                view.subnet_id
            ),
        ));
    }
    if states.is_empty() {
        return;
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="end">"#,
        r.x + r.w - 10.0,
        r.y + 21.0
    );
    for (i, (label, class, detail)) in states.iter().enumerate() {
        if i > 0 {
            out.push_str(" · ");
        }
        let _ = write!(
            out,
            r#"<tspan class="{class}">{label}<title>{}</title></tspan>"#,
            escape(&clip(detail, 200))
        );
    }
    out.push_str("</text>");
}

/// A node box, and the labels of its client edge: the listener ports above the edge's end,
/// the findings on it below.
fn node(
    out: &mut String,
    topology: &Topology,
    placement: &Placement,
    d: &Diagram,
    n: usize,
    r: &Rect,
    view: &NodeView,
) {
    let mark = d.client_edges.get(n).and_then(|e| e.mark.as_ref());
    let shifted = if view.out_of_dns_until.is_some() {
        " shifted"
    } else {
        ""
    };
    rect(out, r, &format!("box node{}{shifted}", class(mark)));
    let x = r.x + 12.0;
    text(
        out,
        Point { x, y: r.y + 21.0 },
        "title",
        &clip(&view.zone, 16),
    );
    node_states(out, r, view);
    let lines = [
        ("subnet", Some(view.subnet_id.as_str())),
        ("routes", view.route_table.as_deref()),
        ("acl", view.network_acl.as_deref()),
    ];
    for (i, (key, value)) in lines.into_iter().enumerate() {
        let y = r.y + 41.0 + 16.0 * i as f64;
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}"><tspan class="key">{key}</tspan> <tspan class="mono">{}</tspan></text>"#,
            escape(&clip(value.unwrap_or("unknown"), 27))
        );
    }
    let addresses: Vec<String> = view.addresses.iter().map(|a| a.to_string()).collect();
    let addresses = if addresses.is_empty() {
        "addresses not read".to_string()
    } else {
        addresses.join(", ")
    };
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{:.1}" class="mono dim">{}<title>{}</title></text>"#,
        r.y + 90.0,
        escape(&clip(&addresses, 33)),
        escape(&addresses)
    );

    // The edge's labels stack beside its end, on the side the curve does not come from: the
    // listener ports next to the line, then the findings on it.
    let end = r.left_mid();
    let lx = end.x - 10.0;
    let step = if end.y < d.clients.right_mid().y {
        -14.0
    } else {
        14.0
    };
    let line_y = |i: usize| {
        if step < 0.0 {
            end.y - 7.0 + step * i as f64
        } else {
            end.y + 16.0 + step * i as f64
        }
    };
    let _ = write!(
        out,
        r#"<text x="{lx:.1}" y="{:.1}" class="ports">"#,
        line_y(0)
    );
    if topology.listeners.is_empty() {
        out.push_str("no listener");
    }
    for (l, listener) in topology.listeners.iter().enumerate() {
        if l > 0 {
            out.push_str(" · ");
        }
        let m = placement.get(Spot::Listener(l));
        let _ = write!(
            out,
            r#"<tspan class="port{}">{} {}</tspan>"#,
            class(m),
            escape(&clip(&listener.protocol, 8)),
            listener.port
        );
    }
    out.push_str("</text>");
    let Some(m) = mark else {
        return;
    };
    let shown = m.labels.len().min(EDGE_LABELS);
    for (i, label) in m.labels.iter().take(shown).enumerate() {
        let _ = write!(
            out,
            r#"<text x="{lx:.1}" y="{:.1}" text-anchor="end" class="label{}">{}</text>"#,
            line_y(i + 1),
            class(Some(m)),
            escape(&clip(label, LABEL_CHARS))
        );
    }
    if m.labels.len() > shown {
        let _ = write!(
            out,
            r#"<text x="{lx:.1}" y="{:.1}" text-anchor="end" class="label{}">+{} more"#,
            line_y(shown + 1),
            class(Some(m)),
            m.labels.len() - shown
        );
        tooltip(out, &m.labels.join("\n"));
        out.push_str("</text>");
    }
}

/// The observed figures of a node's client edge, on the side of its end the findings do not
/// use: new connections and errors counted, bold when a symptom there is unexplained, with
/// every figure as tooltip.
fn observed_label(out: &mut String, d: &Diagram, r: &Rect, view: &NodeView, o: &Observed) {
    let end = r.left_mid();
    let y = if end.y < d.clients.right_mid().y {
        end.y + 16.0
    } else {
        end.y - 7.0
    };
    let text = match (&o.not_evaluated, o.no_data) {
        (Some(_), _) => "observed: not evaluated".to_string(),
        (None, true) => "observed: no data".to_string(),
        (None, false) => {
            let Some(zone) = o.zones.iter().find(|z| z.availability_zone == view.zone) else {
                return;
            };
            let connections = zone.metrics.get("NewConnectionCount").copied().unwrap_or(0);
            let errors: u64 = o
                .symptoms
                .iter()
                .filter(|s| s.availability_zone == view.zone)
                .map(|s| s.count)
                .sum();
            format!("observed: {connections} conn · {errors} errors")
        }
    };
    let unexplained = o
        .symptoms
        .iter()
        .any(|s| s.availability_zone == view.zone && s.unexplained);
    let figures = o
        .zones
        .iter()
        .find(|z| z.availability_zone == view.zone)
        .map(crate::report::observed::figures)
        .or_else(|| o.not_evaluated.clone())
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{y:.1}" text-anchor="end" class="observed{}">{}"#,
        end.x - 10.0,
        if unexplained { " unexplained" } else { "" },
        escape(&clip(&text, LABEL_CHARS))
    );
    tooltip(out, &figures);
    out.push_str("</text>");
}

fn target_group(
    out: &mut String,
    view: &TargetGroupView,
    placement: &Placement,
    g: usize,
    group: &GroupBox,
) {
    let mark = placement.get(Spot::Group(g));
    let r = &group.rect;
    rect(out, r, &format!("box group{}", class(mark)));
    let name = if view.name.is_empty() {
        view.arn.rsplit(':').next().unwrap_or(&view.arn)
    } else {
        view.name.as_str()
    };
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" class="title">{}<title>{}</title></text>"#,
        r.x + 10.0,
        r.y + 18.0,
        escape(&clip(name, 40)),
        escape(&view.arn)
    );
    let mut facts = Vec::new();
    if !view.target_type.is_empty() {
        facts.push(view.target_type.clone());
    }
    if let Some(p) = view.port {
        facts.push(format!("port {p}"));
    }
    facts.push(match view.targets.len() {
        1 => "1 target".to_string(),
        n => format!("{n} targets"),
    });
    text(
        out,
        Point {
            x: r.x + 10.0,
            y: r.y + 35.0,
        },
        "dim",
        &clip(&facts.join(" · "), 48),
    );
    if let Some(m) = mark {
        badge(
            out,
            Point {
                x: BADGES_X,
                y: r.y + 25.0,
            },
            m,
        );
    }
    if group.rows.is_empty() && group.more.is_none() {
        text(
            out,
            Point {
                x: r.x + 10.0,
                y: group.header.bottom() + 14.0,
            },
            "dim italic",
            "no registered targets",
        );
    }
    for row in &group.rows {
        let Some(t) = view.targets.get(row.target) else {
            continue;
        };
        let m = placement.get(Spot::Target(g, row.target));
        let rr = &row.rect;
        rect(out, rr, &format!("row{}", class(m)));
        let y = rr.y + 15.0;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{y:.1}" class="mono">{}<title>{}</title></text>"#,
            rr.x + 10.0,
            escape(&clip(&t.id, 21)),
            escape(&t.id)
        );
        if let Some(zone) = &t.zone {
            text(out, Point { x: rr.x + 175.0, y }, "dim", &clip(zone, 16));
        }
        let health = t.health.as_deref().unwrap_or("health unknown");
        let health_class = match health {
            "healthy" => "health ok",
            "unhealthy" | "unavailable" => "health bad",
            _ => "health other",
        };
        text(
            out,
            Point {
                x: rr.x + rr.w - 8.0,
                y,
            },
            health_class,
            &clip(health, 18),
        );
        if let Some(m) = m {
            badge(out, Point { x: BADGES_X, y }, m);
        }
    }
    if let Some(more) = &group.more {
        let rr = &more.rect;
        rect(out, rr, &format!("row{}", class(more.mark.as_ref())));
        let marked = more
            .hidden
            .iter()
            .filter(|&&t| placement.get(Spot::Target(g, t)).is_some())
            .count();
        let line = if marked > 0 {
            format!("+{} more ({marked} with findings)", more.hidden.len())
        } else {
            format!("+{} more", more.hidden.len())
        };
        let y = rr.y + 15.0;
        text(out, Point { x: rr.x + 10.0, y }, "dim italic", &line);
        if let Some(m) = &more.mark {
            badge(out, Point { x: BADGES_X, y }, m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::report::html::layout::layout;
    use crate::report::html::placement::place;
    use crate::report::html::placement::tests::{finding, topology};

    fn draw(t: &Topology, findings: &[crate::finding::Finding]) -> String {
        let p = place(t, findings);
        let d = layout(t, &p);
        let mut out = String::new();
        render(&mut out, "web", Scheme::InternetFacing, t, &p, &d, None);
        out
    }

    #[test]
    fn broken_edges_carry_their_colour_class_and_labels() {
        let t = topology();
        let svg = draw(
            &t,
            &[finding("ALB102", Severity::Error)
                .zone("b")
                .symptom(crate::finding::Symptom::IntermittentTimeout)],
        );
        assert_eq!(svg.matches(r#"<path class="edge sev-error""#).count(), 1);
        assert!(svg.contains("ALB102 · intermittent-timeout"));
        assert!(svg.contains(r#"class="box node sev-error""#));
        assert_eq!(svg.matches(r#"<path class="edge""#).count(), 1 + 2 * 3);
    }

    #[test]
    fn a_tls_finding_colours_its_port_and_is_listed_under_the_clients() {
        let t = topology();
        let svg = draw(&t, &[finding("ALB301", Severity::Warning).port(443)]);
        assert_eq!(
            svg.matches(r#"<tspan class="port sev-warning">HTTP 443</tspan>"#)
                .count(),
            2,
            "on both nodes' edges"
        );
        assert!(svg.contains(">443 ALB301<"));
    }

    #[test]
    fn a_group_finding_colours_the_group_and_baselined_ones_are_dashed() {
        let t = topology();
        let mut f = finding("ALB208", Severity::Error);
        f.resource = "g1".to_string();
        f.baselined = true;
        let svg = draw(&t, &[f]);
        assert!(svg.contains(r#"class="box group sev-error baselined""#));
    }

    #[test]
    fn strings_from_the_report_are_escaped() {
        let mut t = topology();
        t.nodes[0].zone = "<script>alert(1)</script>".to_string();
        t.target_groups[0].targets[0].id = "\"><img src=x onerror=alert(1)>".to_string();
        t.target_groups[0].name = "a&b".to_string();
        let svg = draw(&t, &[]);
        assert!(!svg.contains("<script>") && !svg.contains("<img"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("&quot;&gt;&lt;img src=x"));
        assert!(svg.contains("a&amp;b"));
    }
}
