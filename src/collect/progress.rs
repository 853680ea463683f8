//! Progress on standard error, so that a fleet run of many accounts and regions shows life: a
//! bar of ALBs read out of ALBs found, the regions done, and the place read last. It is drawn
//! only when asked (the CLI asks on a terminal, never in a pipe or with `CI` set); otherwise
//! every call is a no-op, so the collector reports progress unconditionally.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the spinner and elapsed time redraw while no count changes.
const TICK: Duration = Duration::from_millis(120);

/// A progress bar shared by every (account, region) collection of one run.
pub struct Progress {
    bar: ProgressBar,
    regions_started: AtomicUsize,
    regions_done: AtomicUsize,
}

impl Progress {
    /// A bar on standard error when `visible`, else one that draws nothing.
    pub fn stderr(visible: bool) -> Progress {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        if visible {
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed:>4} [{bar:24}] {pos}/{len} ALBs · {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message("finding accounts and regions");
            bar.enable_steady_tick(TICK);
        }
        Progress {
            bar,
            regions_started: AtomicUsize::new(0),
            regions_done: AtomicUsize::new(0),
        }
    }

    /// A bar that draws nothing (library use, tests).
    pub fn hidden() -> Progress {
        Progress::stderr(false)
    }

    /// A collection of `place` (`account 111111111111 region eu-west-1`) has started.
    pub fn region_started(&self, place: &str) {
        self.regions_started.fetch_add(1, Ordering::Relaxed);
        self.show(&format!("reading {place}"));
    }

    /// `albs` more ALBs were found and are being read.
    pub fn albs_found(&self, albs: usize) {
        self.bar.inc_length(albs as u64);
    }

    /// The collection of `place` has finished with `albs` ALBs read.
    pub fn region_done(&self, place: &str, albs: usize) {
        self.regions_done.fetch_add(1, Ordering::Relaxed);
        self.bar.inc(albs as u64);
        self.show(&format!("read {place}"));
    }

    /// Clears the bar, before the report is written.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Regions (collections) done out of started, then what happened last.
    fn show(&self, what: &str) {
        let done = self.regions_done.load(Ordering::Relaxed);
        let started = self.regions_started.load(Ordering::Relaxed);
        // Places come from AWS answers (accounts, regions): drawn on a terminal, so shown
        // through the text report's one neutraliser.
        let what = crate::report::escape::text::field(what);
        self.bar
            .set_message(format!("{done}/{started} regions · {what}"));
    }

    /// The message drawn now.
    #[cfg(test)]
    fn message(&self) -> String {
        self.bar.message()
    }

    /// ALBs read and found so far, and regions done and started.
    #[cfg(test)]
    fn counts(&self) -> (u64, u64, usize, usize) {
        (
            self.bar.position(),
            self.bar.length().unwrap_or(0),
            self.regions_done.load(Ordering::Relaxed),
            self.regions_started.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_bar_still_counts() {
        let p = Progress::hidden();
        p.region_started("region us-east-1");
        p.region_started("region eu-west-1");
        p.albs_found(3);
        p.albs_found(2);
        p.region_done("region us-east-1", 3);
        assert_eq!(p.counts(), (3, 5, 1, 2));
        p.finish();
    }

    /// A place from an AWS answer reaches the terminal without its control characters.
    #[test]
    fn places_are_drawn_without_terminal_controls() {
        let p = Progress::hidden();
        p.region_started("account 111111111111 region \u{1b}]52;c;aGk=\u{7}eu-west-1\r");
        let drawn = p.message();
        assert!(!drawn.chars().any(char::is_control), "{drawn:?}");
        assert!(drawn.contains("eu-west-1"), "{drawn:?}");
    }
}
