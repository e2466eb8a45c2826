//! Pages of a long list: which page a request asks for (`?page=N`) and the links to the pages
//! around it, keeping the list's other query parameters (its filters).

use crate::error::{WebError, WebResult};

/// One page of a list of `total` rows, `size` rows a page.
#[derive(Debug, Clone)]
pub struct Pager {
    /// From 1.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The rows shown, from 1 ("101–200"); `first > last` on an empty list.
    pub first: i64,
    pub last: i64,
    /// Links to the neighbouring pages; empty when there is none.
    pub previous: String,
    pub next: String,
}

impl Pager {
    /// Page `page` of `total` rows at `path`, whose links carry `params` besides the page.
    pub fn new(path: &str, params: &[(&str, &str)], page: i64, size: i64, total: i64) -> Self {
        let size = size.max(1);
        let pages = ((total + size - 1) / size).max(1);
        let link = |p: i64| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
                query.append_pair(k, v);
            }
            if p > 1 {
                query.append_pair("page", &p.to_string());
            }
            let query = query.finish();
            if query.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{query}")
            }
        };
        Self {
            page,
            pages,
            total,
            first: (page - 1) * size + 1,
            last: (page * size).min(total),
            previous: if page > 1 {
                link(page - 1)
            } else {
                String::new()
            },
            next: if page < pages {
                link(page + 1)
            } else {
                String::new()
            },
        }
    }

    /// Whether there is more than one page (the links are worth showing).
    pub fn is_split(&self) -> bool {
        self.pages > 1
    }
}

/// The page a query asks for: `""` is the first; anything but a whole number from 1 is refused.
pub fn requested_page(raw: &str) -> WebResult<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(1);
    }
    match raw.parse::<i64>() {
        Ok(page) if (1..=1_000_000).contains(&page) => Ok(page),
        _ => Err(WebError::BadRequest(format!(
            "'{raw}' is not a page number: use a whole number from 1"
        ))),
    }
}

/// The offset of `page` at `size` rows a page.
pub fn offset(page: i64, size: i64) -> i64 {
    (page - 1) * size
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn links_keep_the_filters_and_stop_at_the_ends() {
        let p = Pager::new("/list", &[("kind", "alliance"), ("name", "")], 2, 100, 250);
        assert_eq!((p.first, p.last, p.pages), (101, 200, 3));
        assert_eq!(p.previous, "/list?kind=alliance");
        assert_eq!(p.next, "/list?kind=alliance&page=3");
        let last = Pager::new("/list", &[], 3, 100, 250);
        assert_eq!((last.first, last.last, last.next.as_str()), (201, 250, ""));
        let only = Pager::new("/list", &[], 1, 100, 0);
        assert!(!only.is_split());
        assert_eq!((only.previous.as_str(), only.next.as_str()), ("", ""));
    }

    #[test]
    fn a_page_is_a_whole_number_from_one() {
        assert_eq!(requested_page("").unwrap(), 1);
        assert_eq!(requested_page(" 3 ").unwrap(), 3);
        for bad in ["0", "-1", "two", "1.5", "99999999999"] {
            let err = requested_page(bad).unwrap_err();
            assert!(matches!(err, WebError::BadRequest(m) if m.contains("not a page number")));
        }
    }
}
