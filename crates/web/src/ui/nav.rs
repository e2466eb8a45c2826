//! The menu in every page's frame. Each feature's `nav(&Caller)` returns the entries it has for
//! this person (by what they may do); `routes::nav` concatenates the features' lists in one place
//! (`auth` asks it once per request) and `templates/base.html` renders the result with one loop.

/// The signed-in person in the page's frame, with their menu.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub portrait: String,
    pub state: String,
    pub menu: Vec<NavItem>,
}

/// Where in the menu an entry goes: the pages people work with first, administration after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// A person's account and the work features give them (standings, approvals …).
    Main,
    /// Administering Jumpgate (the pages under `/admin/`).
    Admin,
}

/// One link in the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub section: Section,
}

impl NavItem {
    pub const fn main(label: &'static str, href: &'static str) -> Self {
        Self {
            label,
            href,
            section: Section::Main,
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

/// The menu from every feature's entries: by section, and within a section in the order the
/// features are listed and each lists its own.
pub fn menu(features: impl IntoIterator<Item = Vec<NavItem>>) -> Vec<NavItem> {
    let mut items: Vec<NavItem> = features.into_iter().flatten().collect();
    // Stable: keeps the features' order within a section.
    items.sort_by_key(|item| item.section);
    items
}
