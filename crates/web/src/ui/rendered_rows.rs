//! A list's rows as HTML, rendered once per list read and per view of it (a filter, a page) and
//! shared by every page view of that same list.
//!
//! Lists kept behind a change counter (`app::versioned::Versioned`, ADR 0010) come back as the
//! same `Arc` while nothing they show changed, on any instance; rendering and escaping a few
//! hundred rows is then most of a page view's work. So the HTML is kept with the `Arc` it was
//! rendered from, by view, and rendered again once the list is another one. The rows may depend
//! only on the list, the view's key and the process's settings: whatever depends on the viewer
//! (navigation, flash, the permission check) is rendered around them on every request.

use crate::error::WebResult;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// Views of one list kept at most (a few hundred KiB of HTML for the largest lists); more (a
/// search typed letter by letter) start over.
const VIEWS_KEPT: usize = 16;

/// The rows of the list last rendered, by view.
pub struct RenderedRows<L, K> {
    slot: Mutex<Option<Kept<L, K>>>,
}

struct Kept<L, K> {
    /// Held, so that no other list can take its address while it is compared by pointer.
    list: Arc<L>,
    views: HashMap<K, Arc<str>>,
}

impl<L, K> Default for RenderedRows<L, K> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(None),
        }
    }
}

impl<L, K: Eq + Hash> RenderedRows<L, K> {
    /// The rows of view `key` of `list`: the kept ones if they were rendered from this very list,
    /// else what `render` makes (then kept).
    pub fn get_or_render(
        &self,
        list: &Arc<L>,
        key: K,
        render: impl FnOnce() -> WebResult<String>,
    ) -> WebResult<Arc<str>> {
        if let Some(html) = self
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|kept| Arc::ptr_eq(&kept.list, list))
            .and_then(|kept| kept.views.get(&key))
        {
            return Ok(html.clone());
        }
        // Rendered outside the lock: a page view never waits for another one's rendering.
        let html: Arc<str> = render()?.into();
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = match slot.take() {
            Some(kept) if Arc::ptr_eq(&kept.list, list) && kept.views.len() < VIEWS_KEPT => kept,
            _ => Kept {
                list: list.clone(),
                views: HashMap::new(),
            },
        };
        let kept = slot.insert(kept);
        kept.views.insert(key, html.clone());
        Ok(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_rendered_again_only_for_another_list_or_another_view() {
        let rows: RenderedRows<Vec<u8>, u8> = RenderedRows::default();
        let list = Arc::new(vec![1]);
        let render = |s: &str| {
            let s = s.to_owned();
            move || Ok(s)
        };
        assert_eq!(&*rows.get_or_render(&list, 1, render("a")).unwrap(), "a");
        assert_eq!(&*rows.get_or_render(&list, 1, render("b")).unwrap(), "a");
        assert_eq!(&*rows.get_or_render(&list, 2, render("c")).unwrap(), "c");
        assert_eq!(&*rows.get_or_render(&list, 1, render("d")).unwrap(), "a");

        let same_contents = Arc::new(vec![1]);
        assert_eq!(
            &*rows.get_or_render(&same_contents, 1, render("e")).unwrap(),
            "e",
            "another read of the list is another list"
        );
        assert_eq!(
            &*rows.get_or_render(&same_contents, 2, render("f")).unwrap(),
            "f"
        );
    }

    #[test]
    fn a_list_keeps_a_bounded_number_of_views() {
        let rows: RenderedRows<Vec<u8>, usize> = RenderedRows::default();
        let list = Arc::new(vec![1]);
        for view in 0..VIEWS_KEPT {
            rows.get_or_render(&list, view, || Ok(format!("{view}")))
                .unwrap();
        }
        let kept = rows.get_or_render(&list, 0, || Ok("again".into())).unwrap();
        assert_eq!(&*kept, "0", "every view up to the bound is kept");
        rows.get_or_render(&list, VIEWS_KEPT, || Ok("one more".into()))
            .unwrap();
        let kept = rows.get_or_render(&list, 0, || Ok("again".into())).unwrap();
        assert_eq!(&*kept, "again", "one more starts over");
    }
}
