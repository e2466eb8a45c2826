//! The account page's list of time zones: ~600 `<option>`s, 32 KB of the page's 44 KB, which were
//! escaped again on every view (6 % of the page's CPU). They are rendered once per process; a
//! view copies the list around the one option it marks as chosen.

use askama::Template;
use jumpgate_app::accounts::timezones::time_zone_names;
use std::sync::OnceLock;

/// One time zone in the list, not chosen.
#[derive(Template)]
#[template(
    source = r#"<option value="{{ name }}">{{ name }}</option>"#,
    ext = "html"
)]
struct ZoneOption<'a> {
    name: &'a str,
}

/// Every option rendered, and where each begins (then where the list ends), in the order of
/// [`time_zone_names`].
struct Rendered {
    html: String,
    starts: Vec<usize>,
}

fn rendered() -> &'static Rendered {
    static RENDERED: OnceLock<Rendered> = OnceLock::new();
    RENDERED.get_or_init(|| {
        let mut html = String::new();
        let mut starts = Vec::with_capacity(time_zone_names().len() + 1);
        for name in time_zone_names() {
            starts.push(html.len());
            // Rendering a name into a String cannot fail: the names are plain text.
            let _ = ZoneOption { name }.render_into(&mut html);
        }
        starts.push(html.len());
        Rendered { html, starts }
    })
}

/// The options as the page writes them: those before the chosen zone, the chosen one (its
/// name, which the template marks `selected`), and those after. With no zone chosen, or one
/// the bundled database no longer has, every option is in `before`.
pub struct TimeZoneOptions {
    pub before: &'static str,
    pub chosen: Option<&'static str>,
    pub after: &'static str,
}

impl TimeZoneOptions {
    pub fn around(chosen: &str) -> Self {
        let Rendered { html, starts } = rendered();
        let names = time_zone_names();
        let at = names.binary_search_by(|n| n.as_str().cmp(chosen)).ok();
        match at.and_then(|i| Some((names.get(i)?, starts.get(i)?, starts.get(i + 1)?))) {
            Some((name, &start, &end)) => Self {
                before: &html[..start],
                chosen: Some(name.as_str()),
                after: &html[end..],
            },
            None => Self {
                before: html,
                chosen: None,
                after: "",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(options: &TimeZoneOptions) -> String {
        let chosen = options
            .chosen
            .map(|name| format!(r#"<option value="{name}" selected>{name}</option>"#))
            .unwrap_or_default();
        format!("{}{chosen}{}", options.before, options.after)
    }

    #[test]
    fn the_chosen_zone_is_the_one_option_marked_selected_in_its_place() {
        let page = page_of(&TimeZoneOptions::around("Europe/Berlin"));
        assert_eq!(page.matches(" selected>").count(), 1);
        let berlin = page
            .find(r#"<option value="Europe/Berlin" selected>"#)
            .unwrap();
        let amsterdam = page.find(r#"<option value="Europe/Amsterdam">"#).unwrap();
        let brussels = page.find(r#"<option value="Europe/Brussels">"#).unwrap();
        assert!(amsterdam < berlin && berlin < brussels);
        assert_eq!(
            page.matches("<option ").count(),
            time_zone_names().len(),
            "every zone once"
        );
    }

    #[test]
    fn no_zone_or_an_unknown_one_lists_every_zone_unmarked() {
        for chosen in ["", "Atlantis/Lost"] {
            let options = TimeZoneOptions::around(chosen);
            assert_eq!(options.chosen, None);
            assert!(!options.before.contains("selected"));
            assert_eq!(
                options.before.matches("<option ").count(),
                time_zone_names().len()
            );
        }
    }

    #[test]
    fn the_first_and_the_last_zone_can_be_chosen() {
        let names = time_zone_names();
        for name in [names.first().unwrap(), names.last().unwrap()] {
            let page = page_of(&TimeZoneOptions::around(name));
            assert!(page.contains(&format!(r#"<option value="{name}" selected>"#)));
            assert_eq!(page.matches("<option ").count(), names.len());
        }
    }
}
