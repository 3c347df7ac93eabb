//! The human form of the operator reports. Styles are always written here;
//! [`crate::report::print`] goes through anstream, which drops them unless stdout is a
//! terminal and `NO_COLOR` is unset (and honours `CLICOLOR_FORCE`).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::doctor::{CheckStatus, DoctorReport};
use super::status::{RouteState, StatusReport};
use crate::engine::planner::Hop;
use crate::report::json::FindingView;
use crate::report::plan::PlanReport;

const GOOD: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default().bold();
const DOUBT: Style = AnsiColor::Yellow.on_default();
const QUIET: Style = Style::new().dimmed();
const HEAD: Style = Style::new().bold();

struct Cell {
    text: String,
    style: Style,
}

/// How the tables list a hop.
fn hop_label(hop: Hop) -> &'static str {
    match hop {
        Hop::LocalVpc => "local VPC",
        Hop::LocalTgw => "local TGW",
        Hop::RemoteTgw => "peered TGW",
        Hop::LocalTgwVpc => "VPC on local TGW",
        Hop::RemoteTgwVpc => "VPC on peered TGW",
    }
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        style: Style::new(),
    }
}

fn styled(text: impl Into<String>, style: Style) -> Cell {
    Cell {
        text: text.into(),
        style,
    }
}

/// Left-aligned columns, padded by what is visible (styles take no width).
/// Cross-account runs say whose each table is, in a column right after its
/// region; single-account output keeps its columns as they were.
fn with_accounts<'a>(
    header: &mut Vec<&str>,
    rows: &mut [Vec<Cell>],
    accounts: impl Iterator<Item = Option<&'a str>>,
) {
    let accounts: Vec<Option<&str>> = accounts.collect();
    if accounts.iter().all(Option::is_none) {
        return;
    }
    header.insert(1, "ACCOUNT");
    for (row, account) in rows.iter_mut().zip(accounts) {
        row.insert(1, cell(account.unwrap_or("?")));
    }
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<Cell>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.text.chars().count());
        }
    }
    let head: Vec<Cell> = header.iter().map(|h| styled(*h, HEAD)).collect();
    for row in std::iter::once(&head).chain(rows) {
        let mut line = String::new();
        // Trailing empty cells would leave invisible style codes and padding.
        let used = row
            .iter()
            .rposition(|c| !c.text.is_empty())
            .map_or(0, |i| i + 1);
        for (i, (c, w)) in row[..used].iter().zip(&widths).enumerate() {
            let pad = if i + 1 == used {
                0
            } else {
                w - c.text.chars().count() + 2
            };
            let (style, text) = (c.style, &c.text);
            let _ = write!(line, "{style}{text}{style:#}{}", " ".repeat(pad));
        }
        out.push_str(&line);
        out.push('\n');
    }
}

fn findings(out: &mut String, findings: &[FindingView]) {
    if findings.is_empty() {
        return;
    }
    out.push_str("\nFindings:\n");
    for f in findings {
        let style = match f.level {
            "ERROR" => BAD,
            "WARN" => DOUBT,
            _ => QUIET,
        };
        let _ = writeln!(
            out,
            "  {style}{:<5}{style:#} {} {}",
            f.level, f.code, f.text
        );
    }
}

fn state_style(state: RouteState) -> Style {
    match state {
        RouteState::Ok => GOOD,
        RouteState::LeftAlone => QUIET,
        RouteState::Propagated | RouteState::Unreachable => DOUBT,
        RouteState::Wrong | RouteState::Missing | RouteState::Blackhole => BAD,
    }
}

pub fn status(r: &StatusReport) -> String {
    let mut out = String::new();
    let t = &r.topology;
    let n = &t.node;
    let iface = n
        .interface
        .as_deref()
        .unwrap_or("no local interface holds it");
    let _ = writeln!(
        out,
        "VIP {} — this node: {} in {} ({}), interface: {iface}",
        r.vip, n.eni_id, n.vpc_id, n.region
    );
    match &t.local_tgw {
        Some(l) => {
            let _ = writeln!(out, "Local TGW: {} via {}", l.tgw_id, l.attachment_id);
        }
        None => match &t.local_tgw_unknown {
            Some(code) => {
                let _ = writeln!(
                    out,
                    "Local TGW: unknown, the attachment lookup failed ({code})"
                );
            }
            None => out.push_str("Local TGW: none found\n"),
        },
    }
    for p in &t.peerings {
        let _ = writeln!(
            out,
            "Peering:   {} to {} ({})",
            p.peering_id, p.tgw_id, p.region
        );
    }
    for v in &t.vpcs_by_tgw {
        let _ = writeln!(
            out,
            "VPCs on {} ({}): {}",
            v.tgw_id,
            v.region,
            v.vpc_ids.join(", ")
        );
    }
    out.push('\n');
    let mut rows: Vec<Vec<Cell>> = r
        .routes
        .iter()
        .map(|row| {
            vec![
                cell(&row.region),
                cell(hop_label(row.hop)),
                cell(row.table_id.as_deref().unwrap_or("?")),
                cell(row.current.as_deref().unwrap_or("-")),
                cell(&row.desired),
                styled(row.state.as_str(), state_style(row.state)),
                styled(row.detail.as_deref().unwrap_or(""), QUIET),
            ]
        })
        .collect();
    let mut header = vec!["REGION", "HOP", "TABLE", "CURRENT", "DESIRED", "STATE", ""];
    let accounts = r.routes.iter().map(|row| row.account.as_deref());
    with_accounts(&mut header, &mut rows, accounts);
    table(&mut out, &header, &rows);
    findings(&mut out, &r.findings);
    let bad = r.routes.iter().filter(|x| !x.state.is_fine()).count();
    let verdict = if r.ok {
        styled("OK", GOOD)
    } else {
        styled("NOT OK", BAD)
    };
    let _ = writeln!(
        out,
        "\nStatus: {}{}{:#}: {} routes, {bad} not OK",
        verdict.style,
        verdict.text,
        verdict.style,
        r.routes.len()
    );
    out
}

pub fn plan(r: &PlanReport) -> String {
    let mut out = String::new();
    let n = &r.node;
    let count = r.replacements.len();
    let _ = writeln!(
        out,
        "restore of {} as {} in {} ({}) would make {count} replacement{}:",
        r.vip,
        n.eni_id,
        n.vpc_id,
        n.region,
        if count == 1 { "" } else { "s" }
    );
    if count == 0 && r.routes_seen == 0 {
        out.push_str("  none: no VIP route was found to replace (see the findings)\n");
    } else if count == 0 {
        let _ = writeln!(
            out,
            "  none: all {} VIP routes already point toward this node",
            r.routes_seen
        );
    } else {
        out.push('\n');
        let mut rows: Vec<Vec<Cell>> = r
            .replacements
            .iter()
            .map(|x| {
                vec![
                    cell(&x.region),
                    cell(hop_label(x.hop)),
                    cell(&x.table_id),
                    cell(format!("{} -> {}", x.from, x.to)),
                ]
            })
            .collect();
        let mut header = vec!["REGION", "HOP", "TABLE", "CHANGE"];
        let accounts = r.replacements.iter().map(|x| x.account.as_deref());
        with_accounts(&mut header, &mut rows, accounts);
        table(&mut out, &header, &rows);
    }
    if !r.unreachable_regions.is_empty() {
        let _ = writeln!(
            out,
            "\nNot planned (no answer): {}",
            r.unreachable_regions.join(", ")
        );
    }
    findings(&mut out, &r.findings);
    if !r.ok {
        let _ = writeln!(
            out,
            "\n{BAD}restore would exit 1{BAD:#}: see the ERROR findings above"
        );
    }
    out
}

fn check_style(status: CheckStatus) -> Style {
    match status {
        CheckStatus::Pass => GOOD,
        CheckStatus::Warn => DOUBT,
        CheckStatus::Fail => BAD,
        CheckStatus::Skip => QUIET,
    }
}

pub fn doctor(r: &DoctorReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "doctor for VIP {}\n",
        r.vip.as_deref().unwrap_or("(unknown)")
    );
    let width = r.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &r.checks {
        let style = check_style(c.status);
        let _ = writeln!(
            out,
            "{style}{:<4}{style:#}  {:<width$}  {}",
            c.status.as_str(),
            c.id,
            c.summary
        );
        for line in &c.details {
            let _ = writeln!(out, "      {:<width$}  {QUIET}{line}{QUIET:#}", "");
        }
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "      {:<width$}  fix: {fix}", "");
        }
    }
    let t = &r.totals;
    let _ = writeln!(
        out,
        "\n{} passed, {} warned, {} failed, {} skipped",
        t.pass, t.warn, t.fail, t.skip
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_visible_width_and_styles_are_balanced() {
        let mut out = String::new();
        let rows = vec![
            vec![cell("a"), styled("OK", GOOD), cell("x")],
            vec![cell("longer"), styled("MISSING", BAD), cell("y")],
        ];
        table(&mut out, &["COL", "STATE", "Z"], &rows);
        let plain = anstream::adapter::strip_str(&out).to_string();
        assert_eq!(
            plain,
            "COL     STATE    Z\na       OK       x\nlonger  MISSING  y\n"
        );
        assert!(out.contains(&format!("{GOOD}OK{GOOD:#}")));
    }
}
