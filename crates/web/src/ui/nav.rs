//! The menu in every page's frame. Each feature's `nav(&Caller)` returns the entries it has for
//! this person (by what they may do), each in a section; `routes::nav` composes them in one place
//! (`auth` asks it once per request) into groups: a member's pages as links, leadership's and
//! administration's each folded under one heading, so the bar stays short as features come.

/// The signed-in person in the page's frame, with their menu.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub portrait: String,
    pub state: String,
    pub menu: Vec<NavGroup>,
    /// Whether the bar has the search box (administrators of users).
    pub search: bool,
    /// How many of their latest notifications are unread (the bell's badge).
    pub unread: usize,
}

/// Where in the menu an entry goes: a member's pages first, then leadership's, then
/// administration's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// What every member uses: their account, their standings, their contact sync.
    Member,
    /// Deciding for the organisation: approvals, the standings database (later: groups, roles,
    /// pings, operations).
    Leadership,
    /// Administering Jumpgate (the pages under `/admin/`).
    Admin,
}

impl Section {
    /// The heading a folded section shows; a member's pages are not folded.
    fn heading(self) -> Option<&'static str> {
        match self {
            Self::Member => None,
            Self::Leadership => Some("Leadership"),
            Self::Admin => Some("Administration"),
        }
    }
}

/// The entries of one section, as the bar shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavGroup {
    /// Empty: the entries stand in the bar; otherwise they fold under this heading.
    pub heading: &'static str,
    pub items: Vec<NavItem>,
}

/// One link in the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub section: Section,
}

impl NavItem {
    pub const fn member(label: &'static str, href: &'static str) -> Self {
        Self {
            label,
            href,
            section: Section::Member,
        }
    }

    pub const fn leadership(label: &'static str, href: &'static str) -> Self {
        Self {
            label,
            href,
            section: Section::Leadership,
        }
    }

    pub const fn admin(label: &'static str, href: &'static str) -> Self {
        Self {
            label,
            href,
            section: Section::Admin,
        }
    }
}

/// The menu from every feature's entries: one group per section that has any, in section order,
/// and within a section in the order the features are listed and each lists its own.
pub fn menu(features: impl IntoIterator<Item = Vec<NavItem>>) -> Vec<NavGroup> {
    let mut items: Vec<NavItem> = features.into_iter().flatten().collect();
    // Stable: keeps the features' order within a section.
    items.sort_by_key(|item| item.section);
    let mut groups: Vec<(Section, NavGroup)> = Vec::new();
    for item in items {
        match groups.last_mut() {
            Some((section, group)) if *section == item.section => group.items.push(item),
            _ => groups.push((
                item.section,
                NavGroup {
                    heading: item.section.heading().unwrap_or_default(),
                    items: vec![item],
                },
            )),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}
