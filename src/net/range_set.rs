//! Exact sets of integers stored as canonical lists of inclusive ranges, so address and port
//! arithmetic never enumerates elements.

use std::fmt::Debug;

/// An integer type usable as a range endpoint; gives the set its universe and unit steps.
pub trait Bound: Copy + Ord + Debug {
    /// The smallest value, where the universe (and every complement) starts.
    const MIN: Self;
    /// The largest value, where the universe (and every complement) ends.
    const MAX: Self;
    /// The next value up, or `None` at `MAX`, so adjacency is detected without overflow.
    fn checked_succ(self) -> Option<Self>;
    /// The next value down, or `None` at `MIN`, so gaps are bounded without underflow.
    fn checked_pred(self) -> Option<Self>;
}

macro_rules! impl_bound {
    ($($t:ty),*) => {$(
        impl Bound for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn checked_succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn checked_pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
        }
    )*};
}

impl_bound!(u8, u16, u32, u128);

/// A set of values as inclusive ranges kept sorted, disjoint and non-adjacent, so derived
/// equality is set equality.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct RangeSet<T: Bound> {
    ranges: Vec<(T, T)>,
}

/// Appends `(lo, hi)` (with `lo` no smaller than any start already in `out`), merging it
/// into the last range when they overlap or touch.
fn push_merge<T: Bound>(out: &mut Vec<(T, T)>, lo: T, hi: T) {
    if let Some(last) = out.last_mut() {
        if lo <= last.1 || last.1.checked_succ() == Some(lo) {
            last.1 = last.1.max(hi);
            return;
        }
    }
    out.push((lo, hi));
}

impl<T: Bound> RangeSet<T> {
    /// The set with no values, the identity of union.
    pub fn empty() -> Self {
        Self { ranges: Vec::new() }
    }

    /// The set of every value of `T`, the identity of intersection.
    pub fn full() -> Self {
        Self {
            ranges: vec![(T::MIN, T::MAX)],
        }
    }

    /// The values from `lo` to `hi` inclusive; empty when `lo > hi`.
    pub fn from_range(lo: T, hi: T) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            Self {
                ranges: vec![(lo, hi)],
            }
        }
    }

    /// The union of arbitrary inclusive ranges (unsorted, overlapping, or reversed = empty).
    pub fn from_ranges(ranges: impl IntoIterator<Item = (T, T)>) -> Self {
        let mut input: Vec<(T, T)> = ranges.into_iter().filter(|&(lo, hi)| lo <= hi).collect();
        input.sort_unstable();
        let mut out = Vec::with_capacity(input.len());
        for (lo, hi) in input {
            push_merge(&mut out, lo, hi);
        }
        Self { ranges: out }
    }

    /// The canonical ranges (sorted, disjoint, non-adjacent), for rendering and conversion.
    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    /// Whether the set has no values.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether the set holds every value of `T`.
    pub fn is_full(&self) -> bool {
        self.ranges.as_slice() == [(T::MIN, T::MAX)]
    }

    /// Whether `x` is in the set, by binary search over the ranges.
    pub fn contains(&self, x: T) -> bool {
        let idx = self.ranges.partition_point(|&(lo, _)| lo <= x);
        idx.checked_sub(1)
            .and_then(|i| self.ranges.get(i))
            .is_some_and(|&(_, hi)| x <= hi)
    }

    /// The values in either set.
    pub fn union(&self, other: &Self) -> Self {
        let (a, b) = (&self.ranges, &other.ranges);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        loop {
            let next = match (a.get(i), b.get(j)) {
                (Some(&x), Some(&y)) if x.0 <= y.0 => {
                    i += 1;
                    x
                }
                (_, Some(&y)) => {
                    j += 1;
                    y
                }
                (Some(&x), None) => {
                    i += 1;
                    x
                }
                (None, None) => break,
            };
            push_merge(&mut out, next.0, next.1);
        }
        Self { ranges: out }
    }

    /// The values in both sets.
    pub fn intersection(&self, other: &Self) -> Self {
        let (a, b) = (&self.ranges, &other.ranges);
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(&(alo, ahi)), Some(&(blo, bhi))) = (a.get(i), b.get(j)) {
            let (lo, hi) = (alo.max(blo), ahi.min(bhi));
            if lo <= hi {
                push_merge(&mut out, lo, hi);
            }
            if ahi < bhi {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self { ranges: out }
    }

    /// The values in `self` but not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        self.intersection(&other.complement())
    }

    /// The values of `T` not in the set.
    pub fn complement(&self) -> Self {
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        // The first value not yet covered by a range or a gap; `None` once `MAX` is reached.
        let mut next = Some(T::MIN);
        for &(lo, hi) in &self.ranges {
            if let (Some(start), Some(end)) = (next, lo.checked_pred()) {
                if start <= end {
                    out.push((start, end));
                }
            }
            next = hi.checked_succ();
        }
        if let Some(start) = next {
            out.push((start, T::MAX));
        }
        Self { ranges: out }
    }

    /// Whether every value of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        // Canonical form means each range of `self` must sit inside a single range of `other`.
        let mut j = 0;
        for &(lo, hi) in &self.ranges {
            while other.ranges.get(j).is_some_and(|&(_, ohi)| ohi < lo) {
                j += 1;
            }
            match other.ranges.get(j) {
                Some(&(olo, ohi)) if olo <= lo && hi <= ohi => {}
                _ => return false,
            }
        }
        true
    }

    /// Whether the sets share at least one value.
    pub fn intersects(&self, other: &Self) -> bool {
        let (a, b) = (&self.ranges, &other.ranges);
        let (mut i, mut j) = (0, 0);
        while let (Some(&(alo, ahi)), Some(&(blo, bhi))) = (a.get(i), b.get(j)) {
            if alo.max(blo) <= ahi.min(bhi) {
                return true;
            }
            if ahi < bhi {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Oracle = [bool; 256];

    fn oracle_of(ranges: &[(u8, u8)]) -> Oracle {
        let mut o = [false; 256];
        for &(lo, hi) in ranges {
            for x in lo..=hi {
                o[usize::from(x)] = true;
            }
        }
        o
    }

    fn oracle_map(a: &Oracle, b: &Oracle, f: impl Fn(bool, bool) -> bool) -> Oracle {
        let mut o = [false; 256];
        for x in 0..256 {
            o[x] = f(a[x], b[x]);
        }
        o
    }

    fn assert_canonical(s: &RangeSet<u8>) {
        for &(lo, hi) in s.ranges() {
            assert!(lo <= hi, "reversed range in {s:?}");
        }
        for w in s.ranges().windows(2) {
            assert!(
                u16::from(w[0].1) + 1 < u16::from(w[1].0),
                "overlapping, adjacent or unsorted ranges in {s:?}"
            );
        }
    }

    /// Checks canonical form and exact agreement with the oracle, element by element.
    fn assert_matches(s: &RangeSet<u8>, o: &Oracle) {
        assert_canonical(s);
        assert_eq!(&oracle_of(s.ranges()), o, "{s:?}");
        for x in 0..=255u8 {
            assert_eq!(s.contains(x), o[usize::from(x)], "contains({x}) on {s:?}");
        }
        assert_eq!(s.is_empty(), o.iter().all(|&v| !v));
        assert_eq!(s.is_full(), o.iter().all(|&v| v));
    }

    fn value() -> impl Strategy<Value = u8> {
        prop_oneof![Just(0u8), Just(255u8), 0u8..16, 240u8..=255, any::<u8>()]
    }

    fn range_list() -> impl Strategy<Value = Vec<(u8, u8)>> {
        prop::collection::vec((value(), value()), 0..8)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn from_ranges_matches_oracle(r in range_list()) {
            assert_matches(&RangeSet::from_ranges(r.iter().copied()), &oracle_of(&r));
        }

        #[test]
        fn operations_match_oracle(ra in range_list(), rb in range_list()) {
            let (a, b) = (RangeSet::from_ranges(ra.clone()), RangeSet::from_ranges(rb.clone()));
            let (oa, ob) = (oracle_of(&ra), oracle_of(&rb));
            assert_matches(&a.union(&b), &oracle_map(&oa, &ob, |x, y| x || y));
            assert_matches(&a.intersection(&b), &oracle_map(&oa, &ob, |x, y| x && y));
            assert_matches(&a.difference(&b), &oracle_map(&oa, &ob, |x, y| x && !y));
            assert_matches(&a.complement(), &oracle_map(&oa, &oa, |x, _| !x));
            let subset = (0..256).all(|x| !oa[x] || ob[x]);
            prop_assert_eq!(a.is_subset(&b), subset);
            let meet = (0..256).any(|x| oa[x] && ob[x]);
            prop_assert_eq!(a.intersects(&b), meet);
            prop_assert_eq!(a == b, oa == ob);
        }

        #[test]
        fn from_range_matches_oracle(lo in value(), hi in value()) {
            assert_matches(&RangeSet::from_range(lo, hi), &oracle_of(&[(lo, hi)]));
        }
    }

    #[test]
    fn edges_at_min_and_max() {
        let full = RangeSet::<u8>::full();
        assert!(full.is_full() && !full.is_empty());
        assert_eq!(full.ranges(), &[(0, 255)]);
        assert!(full.complement().is_empty());
        assert_eq!(RangeSet::<u8>::empty().complement(), full);
        let ends = RangeSet::from_ranges([(0u8, 0), (255, 255)]);
        assert_eq!(ends.complement().ranges(), &[(1, 254)]);
        assert_eq!(ends.complement().complement(), ends);
        assert!(ends.contains(0) && ends.contains(255) && !ends.contains(1));
        assert_eq!(
            RangeSet::from_ranges([(0u8, 10), (11, 255)]),
            RangeSet::full()
        );
        // Wide types, where a naive `hi + 1` would overflow.
        let top = RangeSet::from_range(u128::MAX, u128::MAX);
        assert_eq!(top.complement().ranges(), &[(0, u128::MAX - 1)]);
        assert!(top.is_subset(&RangeSet::full()));
        assert!(RangeSet::<u32>::full()
            .difference(&RangeSet::full())
            .is_empty());
        assert_eq!(
            RangeSet::from_range(0u16, 0).union(&RangeSet::from_range(1, u16::MAX)),
            RangeSet::full()
        );
    }

    #[test]
    fn adjacent_ranges_merge() {
        let s = RangeSet::from_ranges([(5u8, 9), (10, 12), (1, 4), (20, 20), (21, 21)]);
        assert_eq!(s.ranges(), &[(1, 12), (20, 21)]);
        let u = RangeSet::from_range(1u8, 4).union(&RangeSet::from_range(5, 8));
        assert_eq!(u.ranges(), &[(1, 8)]);
        assert_eq!(
            RangeSet::from_ranges([(3u8, 3), (3, 3)]).ranges(),
            &[(3, 3)]
        );
    }

    #[test]
    fn empty_inputs() {
        let e = RangeSet::<u8>::from_ranges([]);
        assert!(e.is_empty() && !e.is_full());
        assert_eq!(e, RangeSet::empty());
        assert_eq!(e, RangeSet::default());
        assert!(RangeSet::from_range(9u8, 3).is_empty());
        assert!(RangeSet::from_ranges([(9u8, 3), (200, 100)]).is_empty());
        assert!(!e.contains(0) && !e.contains(255));
        assert!(e.is_subset(&e) && e.is_subset(&RangeSet::from_range(4, 4)));
        assert!(!e.intersects(&RangeSet::full()));
        assert!(!RangeSet::full().is_subset(&e));
        assert_eq!(e.union(&e), e);
        assert_eq!(e.intersection(&RangeSet::full()), e);
        assert_eq!(RangeSet::full().difference(&e), RangeSet::<u8>::full());
    }
}
