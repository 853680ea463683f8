//! Geometry of an ALB's picture, computed apart from drawing it: three columns (the clients,
//! one node box per zone, the target groups with their targets), the boxes' places and the
//! edges between them. Pure arithmetic on the topology and the findings' placement, so that
//! sizes, truncation and which edge is coloured are unit-testable without parsing SVG.

use super::placement::{Mark, Placement, Spot};
use crate::report::topology::Topology;

/// Width of the clients box.
pub(super) const CLIENTS_W: f64 = 150.0;
/// Left edge of the node column; the gap before it holds the client edges' labels.
pub(super) const NODES_X: f64 = 400.0;
/// Width of a node box.
pub(super) const NODE_W: f64 = 260.0;
/// Left edge of the target group column.
pub(super) const GROUPS_X: f64 = 840.0;
/// Width of a target group box.
pub(super) const GROUP_W: f64 = 380.0;
/// Left edge of the badges that label marked targets and groups.
pub(super) const BADGES_X: f64 = GROUPS_X + GROUP_W + 10.0;
/// Room for the badges.
const BADGES_W: f64 = 240.0;
/// Left margin.
const MARGIN: f64 = 12.0;
/// Room above the columns for their headings.
const TOP: f64 = 40.0;
/// Room below the columns.
const BOTTOM: f64 = 16.0;
/// Height of the clients box.
const CLIENTS_H: f64 = 80.0;
/// Height of a node box: zone, subnet, route table, network ACL, addresses.
pub(super) const NODE_H: f64 = 100.0;
/// Space between node boxes, which also holds the client edge labels.
const NODE_GAP: f64 = 28.0;
/// Height of a target group's header: name, then type, port and target count.
pub(super) const HEADER_H: f64 = 42.0;
/// Height of one target row.
pub(super) const ROW_H: f64 = 21.0;
/// Space below a group's last row.
const GROUP_PAD: f64 = 6.0;
/// Space between groups.
const GROUP_GAP: f64 = 20.0;
/// Most rows a group shows; a larger group shows one less and a "+N more" row.
pub(super) const MAX_ROWS: usize = 16;
/// Most node -> target edges drawn one per target; above it, one grey edge per node and group
/// keeps the picture readable (marked edges are always drawn per target).
pub(super) const MAX_TARGET_EDGES: usize = 48;

/// A point in the picture's coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Point {
    /// Horizontal, growing right.
    pub x: f64,
    /// Vertical, growing down.
    pub y: f64,
}

/// An axis-aligned box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// The middle of the left side, where incoming edges end.
    pub fn left_mid(&self) -> Point {
        Point {
            x: self.x,
            y: self.y + self.h / 2.0,
        }
    }

    /// The middle of the right side, where outgoing edges start.
    pub fn right_mid(&self) -> Point {
        Point {
            x: self.x + self.w,
            y: self.y + self.h / 2.0,
        }
    }

    /// The bottom.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// One shown target row.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Row {
    /// Its index in the group's targets.
    pub target: usize,
    /// Where it is drawn.
    pub rect: Rect,
}

/// The "+N more" row standing for the targets a large group does not show.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct More {
    /// The hidden targets' indices.
    pub hidden: Vec<usize>,
    /// What marks them, merged.
    pub mark: Option<Mark>,
    /// Where it is drawn.
    pub rect: Rect,
}

/// One target group's box.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct GroupBox {
    /// The whole box.
    pub rect: Rect,
    /// Its header (name, type, port).
    pub header: Rect,
    /// The shown targets, in the group's order.
    pub rows: Vec<Row>,
    /// The hidden targets, if any.
    pub more: Option<More>,
}

/// An edge of the paths.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Edge {
    /// Where it starts.
    pub from: Point,
    /// Where it ends.
    pub to: Point,
    /// What breaks it, if anything: its colour.
    pub mark: Option<Mark>,
}

/// Everything the picture draws, placed.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Diagram {
    /// The picture's width.
    pub width: f64,
    /// The picture's height.
    pub height: f64,
    /// The clients box.
    pub clients: Rect,
    /// One box per topology node, in its order.
    pub nodes: Vec<Rect>,
    /// One box per topology target group, in its order.
    pub groups: Vec<GroupBox>,
    /// Client -> node edges, one per node, in node order.
    pub client_edges: Vec<Edge>,
    /// Node -> target (or node -> group) edges, unmarked first so marked ones draw on top.
    pub target_edges: Vec<Edge>,
}

/// Which of a group's targets are shown: all when they fit in [`MAX_ROWS`], else the marked
/// ones first (worst first) and then the rest in order, shown in the group's order.
pub(super) fn shown_targets(placement: &Placement, group: usize, count: usize) -> Vec<usize> {
    if count <= MAX_ROWS {
        return (0..count).collect();
    }
    let mut by_priority: Vec<usize> = (0..count).collect();
    by_priority.sort_by_key(|&t| {
        let severity = placement.get(Spot::Target(group, t)).map(|m| m.severity);
        (std::cmp::Reverse(severity), t)
    });
    let mut shown: Vec<usize> = by_priority.into_iter().take(MAX_ROWS - 1).collect();
    shown.sort_unstable();
    shown
}

/// Lays out the picture of `topology` with `placement`'s marks.
pub(super) fn layout(topology: &Topology, placement: &Placement) -> Diagram {
    let node_count = topology.nodes.len();
    let nodes_h = column_height(node_count, NODE_H, NODE_GAP);

    let mut group_heights = Vec::with_capacity(topology.target_groups.len());
    let mut shown = Vec::with_capacity(topology.target_groups.len());
    for (g, group) in topology.target_groups.iter().enumerate() {
        let visible = shown_targets(placement, g, group.targets.len());
        let more = usize::from(visible.len() < group.targets.len());
        let rows = (visible.len() + more).max(1);
        group_heights.push(HEADER_H + rows as f64 * ROW_H + GROUP_PAD);
        shown.push(visible);
    }
    let groups_h = group_heights.iter().sum::<f64>()
        + GROUP_GAP * group_heights.len().saturating_sub(1) as f64;

    let content_h = nodes_h.max(groups_h).max(CLIENTS_H);
    let height = TOP + content_h + BOTTOM;

    let clients = Rect {
        x: MARGIN,
        y: TOP + (content_h - CLIENTS_H) / 2.0,
        w: CLIENTS_W,
        h: CLIENTS_H,
    };
    let nodes_top = TOP + (content_h - nodes_h) / 2.0;
    let nodes: Vec<Rect> = (0..node_count)
        .map(|n| Rect {
            x: NODES_X,
            y: nodes_top + n as f64 * (NODE_H + NODE_GAP),
            w: NODE_W,
            h: NODE_H,
        })
        .collect();

    let mut y = TOP + (content_h - groups_h) / 2.0;
    let mut groups = Vec::with_capacity(shown.len());
    for (g, (visible, h)) in shown.into_iter().zip(&group_heights).enumerate() {
        let count = topology.target_groups[g].targets.len();
        let row_rect = |i: usize| Rect {
            x: GROUPS_X,
            y: y + HEADER_H + i as f64 * ROW_H,
            w: GROUP_W,
            h: ROW_H,
        };
        let rows: Vec<Row> = visible
            .iter()
            .enumerate()
            .map(|(i, &target)| Row {
                target,
                rect: row_rect(i),
            })
            .collect();
        let more = (visible.len() < count).then(|| {
            let hidden: Vec<usize> = (0..count).filter(|t| !visible.contains(t)).collect();
            let mark = merged(hidden.iter().map(|&t| placement.get(Spot::Target(g, t))));
            More {
                hidden,
                mark,
                rect: row_rect(visible.len()),
            }
        });
        groups.push(GroupBox {
            rect: Rect {
                x: GROUPS_X,
                y,
                w: GROUP_W,
                h: *h,
            },
            header: Rect {
                x: GROUPS_X,
                y,
                w: GROUP_W,
                h: HEADER_H,
            },
            rows,
            more,
        });
        y += h + GROUP_GAP;
    }

    let client_edges = nodes
        .iter()
        .enumerate()
        .map(|(n, rect)| Edge {
            from: clients.right_mid(),
            to: rect.left_mid(),
            mark: placement.get(Spot::ClientEdge(n)).cloned(),
        })
        .collect();
    let target_edges = target_edges(&nodes, &groups, placement);

    Diagram {
        width: BADGES_X + BADGES_W,
        height,
        clients,
        nodes,
        groups,
        client_edges,
        target_edges,
    }
}

/// `count` boxes of height `h` with `gap` between them.
fn column_height(count: usize, h: f64, gap: f64) -> f64 {
    if count == 0 {
        0.0
    } else {
        count as f64 * h + (count - 1) as f64 * gap
    }
}

/// The marks merged into one, or `None` when there is none.
fn merged<'a>(marks: impl Iterator<Item = Option<&'a Mark>>) -> Option<Mark> {
    marks
        .flatten()
        .fold(None, |acc: Option<Mark>, m| match acc {
            None => Some(m.clone()),
            Some(mut a) => {
                a.merge(m);
                Some(a)
            }
        })
}

/// Grey edges from every node to every shown row (or to each group's header when that would be
/// more than [`MAX_TARGET_EDGES`]), then the marked edges, worst last so they draw on top.
fn target_edges(nodes: &[Rect], groups: &[GroupBox], placement: &Placement) -> Vec<Edge> {
    let rows: usize = groups
        .iter()
        .map(|g| (g.rows.len() + usize::from(g.more.is_some())).max(1))
        .sum();
    let per_target = nodes.len() * rows <= MAX_TARGET_EDGES;
    let mut plain = Vec::new();
    let mut marked = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        for (g, group) in groups.iter().enumerate() {
            let mut ends: Vec<(Rect, Option<Mark>)> = group
                .rows
                .iter()
                .map(|row| {
                    let spot = Spot::TargetEdge {
                        node: n,
                        group: g,
                        target: row.target,
                    };
                    (row.rect, placement.get(spot).cloned())
                })
                .collect();
            if let Some(more) = &group.more {
                let mark = merged(more.hidden.iter().map(|&target| {
                    placement.get(Spot::TargetEdge {
                        node: n,
                        group: g,
                        target,
                    })
                }));
                ends.push((more.rect, mark));
            }
            if !per_target || ends.is_empty() {
                plain.push(Edge {
                    from: node.right_mid(),
                    to: group.header.left_mid(),
                    mark: None,
                });
            }
            for (rect, mark) in ends {
                let edge = Edge {
                    from: node.right_mid(),
                    to: rect.left_mid(),
                    mark,
                };
                if edge.mark.is_some() {
                    marked.push(edge);
                } else if per_target {
                    plain.push(edge);
                }
            }
        }
    }
    marked.sort_by_key(|e| e.mark.as_ref().map(|m| m.severity));
    plain.extend(marked);
    plain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::report::html::placement::place;
    use crate::report::html::placement::tests::{finding, topology};
    use crate::report::topology::{NodeView, TargetView};

    fn with_zones_and_targets(zones: usize, targets: usize) -> Topology {
        let mut t = topology();
        t.nodes = (0..zones)
            .map(|z| NodeView {
                zone: format!("zone-{z}"),
                subnet_id: format!("subnet-{z}"),
                route_table: None,
                network_acl: None,
                addresses: Vec::new(),
                out_of_dns_until: None,
                public_access_blocked: None,
            })
            .collect();
        t.target_groups.truncate(1);
        t.target_groups[0].targets = (0..targets)
            .map(|i| TargetView {
                id: format!("i-{i}"),
                zone: Some(format!("zone-{}", i % zones.max(1))),
                port: Some(8080),
                health: Some("healthy".to_string()),
            })
            .collect();
        t
    }

    fn overlaps(a: &Rect, b: &Rect) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn nodes_are_stacked_without_overlap_inside_the_picture_for_two_to_six_zones() {
        for zones in 2..=6 {
            let t = with_zones_and_targets(zones, 4);
            let d = layout(&t, &Placement::default());
            assert_eq!(d.nodes.len(), zones);
            assert_eq!(d.client_edges.len(), zones);
            for (i, a) in d.nodes.iter().enumerate() {
                assert!(a.y >= TOP && a.bottom() <= d.height, "{zones} zones: {a:?}");
                for b in &d.nodes[i + 1..] {
                    assert!(!overlaps(a, b), "{zones} zones: {a:?} {b:?}");
                    assert!(b.y >= a.bottom() + NODE_GAP, "{zones} zones: order");
                }
            }
            assert!(d.clients.y >= TOP && d.clients.bottom() <= d.height);
        }
    }

    #[test]
    fn a_small_group_shows_every_target_and_no_more_row() {
        let t = with_zones_and_targets(3, MAX_ROWS);
        let d = layout(&t, &Placement::default());
        let g = &d.groups[0];
        assert_eq!(
            g.rows.iter().map(|r| r.target).collect::<Vec<_>>(),
            (0..MAX_ROWS).collect::<Vec<_>>()
        );
        assert!(g.more.is_none());
        assert!(g
            .rows
            .last()
            .is_some_and(|r| r.rect.bottom() <= g.rect.bottom()));
    }

    #[test]
    fn a_large_group_is_truncated_with_the_rest_counted() {
        let t = with_zones_and_targets(6, 50);
        let d = layout(&t, &Placement::default());
        let g = &d.groups[0];
        assert_eq!(g.rows.len(), MAX_ROWS - 1);
        let more = g.more.as_ref().expect("a +N more row");
        assert_eq!(more.hidden.len(), 50 - (MAX_ROWS - 1));
        assert!(more.mark.is_none());
        assert!(d.height < 800.0, "50 targets stay compact: {}", d.height);
        // 6 nodes x 12 rows is over the limit: one grey edge per node and group.
        assert_eq!(d.target_edges.len(), 6);
        assert!(d
            .target_edges
            .iter()
            .all(|e| e.to == g.header.left_mid() && e.mark.is_none()));
    }

    #[test]
    fn marked_targets_of_a_large_group_are_shown_first() {
        let t = with_zones_and_targets(2, 40);
        let f = finding("ALB206", Severity::Warning).target("i-37");
        let g = finding("ALB209", Severity::Error).target("i-39");
        let p = place(&t, &[f, g]);
        let shown = shown_targets(&p, 0, 40);
        assert_eq!(shown.len(), MAX_ROWS - 1);
        assert!(shown.contains(&37) && shown.contains(&39));
        assert!(
            shown.windows(2).all(|w| w[0] < w[1]),
            "in the group's order"
        );
        assert_eq!(&shown[..3], &[0, 1, 2]);
    }

    #[test]
    fn marked_targets_beyond_the_rows_mark_the_more_row() {
        let t = with_zones_and_targets(2, 30);
        let findings: Vec<_> = (0..MAX_ROWS + 2)
            .map(|i| {
                finding("ALB206", Severity::Warning)
                    .target(format!("i-{i}"))
                    .zone("zone-1")
            })
            .collect();
        let d = layout(&t, &place(&t, &findings));
        let more = d.groups[0].more.as_ref().expect("a +N more row");
        assert_eq!(
            more.mark.as_ref().map(|m| m.severity),
            Some(Severity::Warning)
        );
        let to_more: Vec<&Edge> = d
            .target_edges
            .iter()
            .filter(|e| e.to == more.rect.left_mid() && e.mark.is_some())
            .collect();
        assert_eq!(to_more.len(), 1, "one marked edge, from zone-1's node");
        assert_eq!(to_more[0].from, d.nodes[1].right_mid());
    }

    #[test]
    fn edges_are_coloured_by_the_findings_on_them() {
        let t = topology();
        let findings = [
            finding("ALB102", Severity::Error).zone("b"),
            finding("ALB203", Severity::Warning)
                .zone("a")
                .target("i-2")
                .port(8080),
        ];
        let d = layout(&t, &place(&t, &findings));
        let client: Vec<Option<Severity>> = d
            .client_edges
            .iter()
            .map(|e| e.mark.as_ref().map(|m| m.severity))
            .collect();
        assert_eq!(client, vec![None, Some(Severity::Error)]);
        let marked: Vec<&Edge> = d.target_edges.iter().filter(|e| e.mark.is_some()).collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(marked[0].from, d.nodes[0].right_mid());
        assert_eq!(marked[0].to, d.groups[0].rows[1].rect.left_mid());
        assert_eq!(
            marked[0].mark.as_ref().map(|m| m.severity),
            Some(Severity::Warning)
        );
        // 2 nodes x 3 rows: every other node -> target edge is drawn grey, under the marked one.
        assert_eq!(d.target_edges.len(), 6);
        assert!(d.target_edges.last().is_some_and(|e| e.mark.is_some()));
    }

    #[test]
    fn worse_marked_edges_are_drawn_later() {
        let t = topology();
        let findings = [
            finding("ALB209", Severity::Error).target("i-1").port(8080),
            finding("ALB206", Severity::Note).target("i-2"),
        ];
        let d = layout(&t, &place(&t, &findings));
        let severities: Vec<Severity> = d
            .target_edges
            .iter()
            .filter_map(|e| e.mark.as_ref().map(|m| m.severity))
            .collect();
        assert_eq!(
            severities,
            vec![
                Severity::Note,
                Severity::Note,
                Severity::Error,
                Severity::Error
            ]
        );
    }

    #[test]
    fn an_empty_topology_still_has_the_clients_box() {
        let d = layout(&Topology::default(), &Placement::default());
        assert!(d.nodes.is_empty() && d.groups.is_empty() && d.target_edges.is_empty());
        assert!(d.clients.bottom() <= d.height);
    }

    #[test]
    fn a_group_without_targets_keeps_one_row_and_a_grey_edge_per_node() {
        let mut t = topology();
        t.target_groups[1].targets.clear();
        let d = layout(&t, &Placement::default());
        assert_eq!(d.groups[1].rect.h, HEADER_H + ROW_H + GROUP_PAD);
        let to_header = d
            .target_edges
            .iter()
            .filter(|e| e.to == d.groups[1].header.left_mid())
            .count();
        assert_eq!(to_header, 2);
    }
}
