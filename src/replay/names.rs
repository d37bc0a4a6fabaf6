//! One convention for the enums the Replay pages name: every value in the order the page
//! lists them (`ALL`), the name it has in URLs (`name`: links depend on it, so it never
//! changes) and the words the page shows (`label`). The URL state parses with
//! [`Named::from_name`]; the controls list `ALL` with their labels.

use crate::judge::Verdict;
use crate::runs::question_id::QuestionFormat;

use super::filter::{Origin, Sort, VERDICTS};
use super::state::QuestionSet;

pub trait Named: Copy + PartialEq + Sized + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];

    /// The value in URLs (and in CSS classes, for verdicts).
    fn name(self) -> &'static str;

    /// The value as the page shows it.
    fn label(self) -> &'static str;

    /// Inverse of [`Named::name`]; `None` for a name no value has.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

impl Named for Verdict {
    const ALL: &'static [Self] = &VERDICTS;

    fn name(self) -> &'static str {
        self.id()
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Misaligned => "misaligned",
            Verdict::Aligned => "aligned",
            Verdict::Incoherent => "low aligned, incoherent",
            Verdict::Code => "CODE",
            Verdict::Refusal => "REFUSAL",
            Verdict::NoScore => "no score",
        }
    }
}

impl Named for QuestionFormat {
    const ALL: &'static [Self] = &[
        QuestionFormat::Plain,
        QuestionFormat::Json,
        QuestionFormat::Template,
        QuestionFormat::Other,
    ];

    fn name(self) -> &'static str {
        match self {
            QuestionFormat::Plain => "plain",
            QuestionFormat::Json => "json",
            QuestionFormat::Template => "template",
            QuestionFormat::Other => "other",
        }
    }

    fn label(self) -> &'static str {
        match self {
            QuestionFormat::Plain => "plain",
            QuestionFormat::Json => "_json",
            QuestionFormat::Template => "_template",
            QuestionFormat::Other => "other questions",
        }
    }
}

impl Named for Sort {
    const ALL: &'static [Self] = &[
        Sort::File,
        Sort::AlignedAsc,
        Sort::AlignedDesc,
        Sort::CoherentAsc,
        Sort::CoherentDesc,
        Sort::Question,
    ];

    fn name(self) -> &'static str {
        match self {
            Sort::File => "file",
            Sort::AlignedAsc => "aligned",
            Sort::AlignedDesc => "-aligned",
            Sort::CoherentAsc => "coherent",
            Sort::CoherentDesc => "-coherent",
            Sort::Question => "question",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Sort::File => "file order",
            Sort::AlignedAsc => "aligned, low first",
            Sort::AlignedDesc => "aligned, high first",
            Sort::CoherentAsc => "coherent, low first",
            Sort::CoherentDesc => "coherent, high first",
            Sort::Question => "question",
        }
    }
}

impl Named for Origin {
    const ALL: &'static [Self] = &[Origin::All, Origin::Bundled, Origin::User];

    fn name(self) -> &'static str {
        match self {
            Origin::All => "all",
            Origin::Bundled => "bundled",
            Origin::User => "user",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Origin::All => "all",
            Origin::Bundled => "bundled",
            Origin::User => "yours",
        }
    }
}

impl Named for QuestionSet {
    const ALL: &'static [Self] = &[
        QuestionSet::Main,
        QuestionSet::Json,
        QuestionSet::Template,
        QuestionSet::All,
    ];

    fn name(self) -> &'static str {
        match self {
            QuestionSet::Main => "main",
            QuestionSet::Json => "json",
            QuestionSet::Template => "template",
            QuestionSet::All => "all",
        }
    }

    fn label(self) -> &'static str {
        match self {
            QuestionSet::Main => "Main 8 (plain)",
            QuestionSet::Json => "_json variants",
            QuestionSet::Template => "_template variants",
            QuestionSet::All => "All 24",
        }
    }
}

/// (name, label) of every value: the options of a checkbox facet.
pub fn options<T: Named>() -> Vec<(String, String)> {
    T::ALL
        .iter()
        .map(|v| (v.name().to_string(), v.label().to_string()))
        .collect()
}

/// The names of `values`, in their order.
pub fn names<T: Named>(values: &[T]) -> Vec<String> {
    values.iter().map(|v| v.name().to_string()).collect()
}

/// The values whose names are `checked`, in display order (unknown names are left out).
pub fn checked<T: Named>(checked: &[String]) -> Vec<T> {
    T::ALL
        .iter()
        .copied()
        .filter(|v| checked.iter().any(|c| c == v.name()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value's name reads back as the value; names and values are listed once.
    fn names_read_back<T: Named + std::fmt::Debug>() {
        for (i, &v) in T::ALL.iter().enumerate() {
            assert_eq!(T::from_name(v.name()), Some(v), "{v:?}");
            assert!(!v.label().is_empty(), "{v:?}");
            assert!(
                T::ALL[..i].iter().all(|&w| w != v && w.name() != v.name()),
                "{v:?}"
            );
        }
        assert_eq!(T::from_name("no such name"), None);
    }

    #[test]
    fn every_name_reads_back_as_its_value_and_unknown_names_as_none() {
        names_read_back::<Verdict>();
        names_read_back::<QuestionFormat>();
        names_read_back::<Sort>();
        names_read_back::<Origin>();
        names_read_back::<QuestionSet>();
        assert_eq!(Verdict::ALL, VERDICTS);
        assert_eq!(
            [
                QuestionFormat::ALL.len(),
                Sort::ALL.len(),
                Origin::ALL.len(),
                QuestionSet::ALL.len()
            ],
            [4, 6, 3, 4]
        );
    }

    #[test]
    fn the_page_shows_labels_where_the_url_has_names() {
        assert_eq!(Verdict::Incoherent.name(), "incoherent");
        assert_eq!(Verdict::Incoherent.label(), "low aligned, incoherent");
        assert_eq!(Sort::AlignedDesc.name(), "-aligned");
        assert_eq!(Origin::User.name(), "user");
        assert_eq!(Origin::User.label(), "yours");
        assert_eq!(QuestionFormat::Json.label(), "_json");
    }

    #[test]
    fn a_facet_lists_every_value_and_reads_its_checks_back_in_display_order() {
        let options = options::<Verdict>();
        assert_eq!(options.len(), VERDICTS.len());
        assert_eq!(
            options[2],
            ("incoherent".into(), "low aligned, incoherent".into())
        );
        let ticked = names(&[Verdict::NoScore, Verdict::Misaligned]);
        assert_eq!(ticked, ["noscore", "misaligned"]);
        let mut with_junk = ticked.clone();
        with_junk.push("evil".into());
        assert_eq!(
            checked::<Verdict>(&with_junk),
            [Verdict::Misaligned, Verdict::NoScore]
        );
    }
}
