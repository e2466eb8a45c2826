//! HTML of the simulated SSO login: a searchable character picker grouped by EVE account, a
//! consent step, and error pages. Plain server-rendered HTML; a few lines of script only make
//! the filter instant (the `q` parameter does the same without script).

use std::fmt::Write;

use crate::sso::authorize::{AuthorizeParams, ValidAuthorize};
use crate::world::{SimCharacter, World};

const STYLE: &str = r#"
:root { color-scheme: light dark; --bg:#f4f5f7; --card:#fff; --fg:#1c1f24; --muted:#5f6670; --line:#dde1e6; --accent:#2f6fdf; --danger:#b3261e; }
@media (prefers-color-scheme: dark) { :root { --bg:#0f1216; --card:#181c22; --fg:#e6e9ee; --muted:#98a1ad; --line:#2a3039; --accent:#6ea0ff; --danger:#ff8a80; } }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--fg); }
main { max-width: 760px; margin: 2rem auto; padding: 0 1rem; }
[hidden] { display:none !important; }
header { display:flex; align-items:baseline; gap:.75rem; margin-bottom:1rem; }
header h1 { font-size:1.35rem; margin:0; }
header span { color:var(--muted); font-size:.9rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1rem 1.25rem; margin-bottom:1rem; }
input[type=search] { width:100%; padding:.6rem .8rem; font-size:1rem; border:1px solid var(--line); border-radius:8px; background:var(--card); color:var(--fg); }
.account h2 { font-size:.8rem; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:.25rem 0 .5rem; font-weight:600; }
.chars { display:grid; grid-template-columns:repeat(auto-fill, minmax(220px, 1fr)); gap:.5rem; }
button.char { display:flex; align-items:center; gap:.6rem; width:100%; text-align:left; padding:.45rem .6rem; border:1px solid var(--line); border-radius:8px; background:transparent; color:inherit; font:inherit; cursor:pointer; }
button.char:hover, button.char:focus-visible { border-color:var(--accent); outline:none; }
button.char img, .who img { width:40px; height:40px; border-radius:6px; flex:none; }
.name { font-weight:600; display:block; }
.corp { color:var(--muted); font-size:.82rem; }
.who { display:flex; align-items:center; gap:.75rem; }
.who img { width:64px; height:64px; }
ul.scopes { margin:.5rem 0 0; padding-left:1.2rem; }
ul.scopes code { font-size:.85rem; }
.actions { display:flex; gap:.75rem; justify-content:flex-end; }
.actions button { padding:.55rem 1.2rem; border-radius:8px; font:inherit; cursor:pointer; border:1px solid var(--line); background:transparent; color:inherit; }
.actions button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
.error h1 { color:var(--danger); }
.muted { color:var(--muted); }
"#;

const FILTER_SCRIPT: &str = r#"
const box = document.getElementById('filter');
box.addEventListener('input', () => {
  const q = box.value.trim().toLowerCase();
  for (const acc of document.querySelectorAll('.account')) {
    let shown = 0;
    for (const c of acc.querySelectorAll('button.char')) {
      const hit = !q || c.dataset.search.includes(q);
      c.hidden = !hit; if (hit) shown++;
    }
    acc.hidden = shown === 0;
  }
});
"#;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

fn hidden_fields(p: &AuthorizeParams) -> String {
    p.carried()
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                escape(v)
            )
        })
        .collect()
}

/// "Corp [TICK] · Alliance <TICK>" as plain text (escape before putting it in HTML).
fn affiliation(ch: &SimCharacter, world: &World) -> String {
    let corp = world.corporations.get(&ch.corporation_id);
    let alliance = ch.alliance_id.and_then(|a| world.alliances.get(&a));
    match (corp, alliance) {
        (Some(c), Some(a)) => format!("{} [{}] · {} <{}>", c.name, c.ticker, a.name, a.ticker),
        (Some(c), None) => format!("{} [{}]", c.name, c.ticker),
        _ => String::new(),
    }
}

/// Step 1: pick a character. Submitting a character GETs the same URL with `character_id`.
pub fn picker(p: &AuthorizeParams, valid: &ValidAuthorize, world: &World) -> String {
    let q = p.q.clone().unwrap_or_default().to_lowercase();
    let mut groups = String::new();
    for (n, (hash, chars)) in world.accounts().iter().enumerate() {
        let mut items = String::new();
        for ch in chars {
            let search = format!("{} {}", ch.name, affiliation(ch, world)).to_lowercase();
            if !q.is_empty() && !search.contains(&q) {
                continue;
            }
            let _ = write!(
                items,
                "<button class=\"char\" name=\"character_id\" value=\"{id}\" data-search=\"{search}\">\
                 <img src=\"/image/characters/{id}/portrait?size=64\" alt=\"\" loading=\"lazy\">\
                 <span><span class=\"name\">{name}</span><span class=\"corp\">{aff}</span></span></button>",
                id = ch.character_id,
                search = escape(&search),
                name = escape(&ch.name),
                aff = escape(&affiliation(ch, world)),
            );
        }
        if items.is_empty() {
            continue;
        }
        let short: String = hash.chars().take(8).collect();
        let _ = write!(
            groups,
            "<section class=\"account\"><h2>EVE account {} · {}…</h2><div class=\"chars\">{items}</div></section>",
            n + 1,
            escape(&short)
        );
    }
    let body = format!(
        "<header><h1>Log in with EVE Online</h1><span>simulated SSO · application <b>{client}</b></span></header>\
         <form class=\"card\" method=\"get\" action=\"/v2/oauth/authorize\" role=\"search\">{hidden}\
         <input id=\"filter\" type=\"search\" name=\"q\" value=\"{qv}\" placeholder=\"Filter by character, corporation or alliance\" autofocus></form>\
         <form class=\"card\" method=\"get\" action=\"/v2/oauth/authorize\">{hidden}{groups}</form>\
         <script>{FILTER_SCRIPT}</script>",
        client = escape(&valid.client_id),
        hidden = hidden_fields(p),
        qv = escape(p.q.as_deref().unwrap_or("")),
    );
    layout("Log in · EVE Online (simulated)", &body)
}

/// Step 2: confirm the scopes for the chosen character.
pub fn consent(
    p: &AuthorizeParams,
    valid: &ValidAuthorize,
    ch: &SimCharacter,
    world: &World,
) -> String {
    let scopes = if valid.scopes.is_empty() {
        "<p class=\"muted\">Only your character's identity (no scopes).</p>".to_owned()
    } else {
        let items: String = valid
            .scopes
            .iter()
            .map(|s| format!("<li><code>{}</code></li>", escape(s)))
            .collect();
        format!("<ul class=\"scopes\">{items}</ul>")
    };
    let body = format!(
        "<header><h1>Authorize {client}</h1><span>simulated SSO</span></header>\
         <div class=\"card who\"><img src=\"/image/characters/{id}/portrait?size=128\" alt=\"\">\
         <div><span class=\"name\">{name}</span><span class=\"corp\">{aff}</span></div></div>\
         <div class=\"card\"><b>{client}</b> is requesting access to:{scopes}</div>\
         <form class=\"actions\" method=\"post\" action=\"/v2/oauth/authorize\">{hidden}\
         <input type=\"hidden\" name=\"character_id\" value=\"{id}\">\
         <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\
         <button class=\"primary\" type=\"submit\" name=\"decision\" value=\"authorize\">Authorize</button></form>",
        client = escape(&valid.client_id),
        id = ch.character_id,
        name = escape(&ch.name),
        aff = escape(&affiliation(ch, world)),
        hidden = hidden_fields(p),
    );
    layout("Authorize · EVE Online (simulated)", &body)
}

pub fn error(code: &str, detail: &str) -> String {
    let body = format!(
        "<div class=\"card error\"><h1>Something went wrong</h1><p><code>{}</code></p><p>{}</p></div>",
        escape(code),
        escape(detail)
    );
    layout("Error · EVE Online (simulated)", &body)
}
