//! Application webhooks (ADR 0031), end to end: a receiver (a small axum server in the test)
//! is told, signed, when a member of a group the application sees is added or removed or the
//! account is deactivated; an application that does not see the group hears nothing; a
//! receiver that fails is retried with backoff (its `Retry-After` honoured), in order, every
//! event once per event id; private addresses are refused unless allowed; the page and the
//! use cases set the URL and make the secret. Time is a `ManualClock`; the scan and the
//! deliveries run as the jobs run them (`scan_app_webhooks`, `deliver_app_webhook`).

use super::*;
use crate::support::{Backend, test_start};
use axum::extract::State;
use axum::http::HeaderMap;
use jumpgate_domain::clock::{Clock, ManualClock};
use jumpgate_domain::deactivation::Episode;
use jumpgate_evesim::SimConfig;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    event_id: String,
    timestamp: i64,
    signature: String,
    body: String,
    /// What the receiver answered.
    answered: u16,
}

impl Received {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    got: Vec<Received>,
    /// Answers to give first (status, Retry-After); 200 once empty.
    script: VecDeque<(u16, Option<u64>)>,
}

/// A webhook receiver on 127.0.0.1 that records every POST.
#[derive(Clone)]
struct Receiver {
    base: String,
    state: Arc<Mutex<ReceiverState>>,
}

async fn receive(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut s = state.lock().unwrap();
    let (status, retry_after) = s.script.pop_front().unwrap_or((200, None));
    s.got.push(Received {
        path: uri.path().to_owned(),
        event_id: header("x-jumpgate-event-id"),
        timestamp: header("x-jumpgate-timestamp").parse().unwrap_or_default(),
        signature: header("x-jumpgate-signature"),
        body,
        answered: status,
    });
    let mut response = (
        axum::http::StatusCode::from_u16(status).unwrap(),
        "receiver says no",
    )
        .into_response();
    if let Some(after) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", after.to_string().parse().unwrap());
    }
    response
}

impl Receiver {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let router = axum::Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn script(&self, answers: &[(u16, Option<u64>)]) {
        self.state.lock().unwrap().script.extend(answers.iter());
    }

    fn got(&self, path: &str) -> Vec<Received> {
        self.state
            .lock()
            .unwrap()
            .got
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// A Jumpgate on a manual clock whose webhooks may go to this machine.
async fn world(backend: Backend) -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(test_start()));
    let t = TestApp::start(backend, clock.clone(), SimConfig::default(), |s| {
        s.apps.webhook_allow_private = true;
    })
    .await;
    (t, clock)
}

fn system() -> Caller {
    Caller::system("app-webhooks")
}

/// One scan, then every application's due deliveries, as the jobs do.
async fn run_webhooks(t: &TestApp, apps: &[AppId]) {
    t.app.scan_app_webhooks(&system()).await.unwrap();
    for app in apps {
        t.app.deliver_app_webhook(&system(), *app).await.unwrap();
    }
}

/// Asserts that `r` is signed with `secret` over its timestamp and body.
fn assert_signed(r: &Received, secret: &str) {
    assert_eq!(
        r.signature,
        jumpgate_domain::apps::webhooks::sign(secret.as_bytes(), r.timestamp, &r.body),
        "the signature verifies"
    );
    assert!(!r.event_id.is_empty());
    assert_eq!(r.json()["event_id"].as_str().unwrap(), r.event_id);
}

/// The (type, group id, character ids) of every change of a delivery.
fn changes(r: &Received) -> Vec<(String, i64, Vec<i64>)> {
    r.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_owned(),
                c["group"]["id"].as_i64().unwrap(),
                c["character_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_i64().unwrap())
                    .collect(),
            )
        })
        .collect()
}

/// `app`'s webhook as its page reads it.
async fn webhook_overview(t: &TestApp, app: AppId) -> jumpgate_app::apps::WebhookOverview {
    t.app
        .app_webhook_overview(&Caller::cli("test"), app)
        .await
        .unwrap()
        .unwrap()
}

async fn add_member(t: &TestApp, group: GroupId, character: i64) {
    t.store
        .add_group_member(&NewMembership {
            group,
            account: t.account_of(character).await,
            source: MembershipSource::Manual,
            source_ref: None,
            added_by: None,
        })
        .await
        .unwrap();
}

/// Two members logged in; "Pilots" holds the first. App "Pingboard" sees Pilots, app "Wiki"
/// sees "Secret" only; both have a webhook at the receiver (`/pingboard`, `/wiki`) and have
/// seen the memberships once.
struct Setup {
    t: TestApp,
    clock: Arc<ManualClock>,
    receiver: Receiver,
    first: i64,
    second: i64,
    pilots: GroupId,
    pingboard: AppId,
    wiki: AppId,
    secret: String,
    /// The demo's superuser, signed in.
    admin: crate::support::Browser,
}

async fn setup(backend: Backend) -> Setup {
    let (t, clock) = world(backend).await;
    let admin = t.browser();
    admin.login_ok(t.sim.characters()[0].character_id).await; // the demo's superuser
    let (first, second) = (t.member_character(), t.characters_of_one_owner(1)[0]);
    for c in [first, second] {
        t.browser().login_ok(c).await;
    }
    let pilots = group_with(&t, "Pilots", &[first]).await;
    let secret_group = group_with(&t, "Secret", &[first]).await;
    let pingboard = ApiClient::new(&t, "Pingboard", &[AppRole::Groups], &[pilots], &[])
        .await
        .id;
    let wiki = ApiClient::new(&t, "Wiki", &[AppRole::Groups], &[secret_group], &[])
        .await
        .id;
    let receiver = Receiver::start().await;
    let cli = Caller::cli("test");
    let secret = t
        .app
        .set_app_webhook(&cli, pingboard, &receiver.url("/pingboard"), true)
        .await
        .unwrap()
        .expect("the first URL makes a secret");
    assert_eq!(secret.len(), 64);
    t.app
        .set_app_webhook(&cli, wiki, &receiver.url("/wiki"), true)
        .await
        .unwrap();
    // The first scan records what each sees and sends nothing.
    run_webhooks(&t, &[pingboard, wiki]).await;
    assert!(receiver.got("/pingboard").is_empty());
    assert!(receiver.got("/wiki").is_empty());
    Setup {
        t,
        clock,
        receiver,
        first,
        second,
        pilots,
        pingboard,
        wiki,
        secret,
        admin,
    }
}

on_each_backend!(
    a_receiver_is_told_signed_when_a_member_is_added_removed_or_deactivated,
    |backend| async move {
        let s = setup(backend).await;
        let (t, apps) = (&s.t, [s.pingboard, s.wiki]);
        let second_account = t.account_of(s.second).await;
        let second_characters: Vec<i64> = t
            .store
            .characters_of(second_account)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id.get())
            .collect();

        add_member(t, s.pilots, s.second).await;
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_signed(&got[0], &s.secret);
        let mut expected = second_characters.clone();
        expected.sort_unstable();
        assert_eq!(
            changes(&got[0]),
            vec![("group.gained".to_owned(), s.pilots.get(), expected.clone())]
        );
        let body = got[0].json();
        assert_eq!(body["app_id"].as_i64(), Some(s.pingboard.get()));
        assert_eq!(body["changes"][0]["group"]["name"], "Pilots");
        assert_eq!(body["changes"][0]["account_id"], second_account.get());
        assert!(body["occurred_at"].is_string());
        // The application that does not see Pilots hears nothing.
        assert!(s.receiver.got("/wiki").is_empty());
        // Nothing new: nothing sent.
        run_webhooks(t, &apps).await;
        assert_eq!(s.receiver.got("/pingboard").len(), 1);

        t.store
            .remove_group_member(s.pilots, second_account)
            .await
            .unwrap();
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 2);
        assert_signed(&got[1], &s.secret);
        assert_eq!(
            changes(&got[1]),
            vec![("group.lost".to_owned(), s.pilots.get(), expected)]
        );
        assert_ne!(got[0].event_id, got[1].event_id);

        // Deactivation: the account's groups read as none, so every group is lost (both apps).
        let now = t.app.now();
        t.store
            .save_deactivation(
                t.account_of(s.first).await,
                Some(&Episode {
                    since: now - time::Duration::days(3),
                    deactivated_at: Some(now - time::Duration::days(2)),
                    mail_sent_at: None,
                }),
            )
            .await
            .unwrap();
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 3);
        let lost = changes(&got[2]);
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].0, "group.lost");
        assert!(lost[0].2.contains(&s.first));
        let wiki = s.receiver.got("/wiki");
        assert_eq!(wiki.len(), 1, "the wiki sees Secret, which the first lost");
        assert_eq!(changes(&wiki[0])[0].0, "group.lost");
        // Reactivation: gained again.
        t.store
            .save_deactivation(t.account_of(s.first).await, None)
            .await
            .unwrap();
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 4);
        assert_eq!(changes(&got[3])[0].0, "group.gained");

        // The page shows the webhook to its administrator.
        let (status, page) = s.admin.get_text(&format!("/apps/{}", s.pingboard)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("class=\"webhook-url\""), "{page}");
        assert!(page.contains(&s.receiver.url("/pingboard")));
        assert!(
            page.contains("<span class=\"webhook-pending\">0</span>"),
            "{page}"
        );
        let _ = &s.clock;
    }
);

on_each_backend!(
    a_failing_receiver_is_retried_with_backoff_in_order_and_gets_every_event_once,
    |backend| async move {
        let s = setup(backend).await;
        let (t, apps) = (&s.t, [s.pingboard]);
        let second_account = t.account_of(s.second).await;
        s.receiver.script(&[(500, None), (500, None)]);
        // Two changes, two deliveries, in this order.
        add_member(t, s.pilots, s.second).await;
        t.app.scan_app_webhooks(&system()).await.unwrap();
        t.store
            .remove_group_member(s.pilots, second_account)
            .await
            .unwrap();
        t.app.scan_app_webhooks(&system()).await.unwrap();

        run_webhooks(t, &apps).await; // first attempt: 500, the second delivery waits
        assert_eq!(s.receiver.got("/pingboard").len(), 1);
        run_webhooks(t, &apps).await; // not due yet: nothing sent
        assert_eq!(s.receiver.got("/pingboard").len(), 1);
        let overview = webhook_overview(t, s.pingboard).await;
        assert_eq!(overview.deliveries.pending, 2);
        let last = overview.deliveries.last.unwrap();
        assert_eq!(last.last_status, Some(500));
        assert!(last.last_error.unwrap().contains("500"));

        s.clock.advance(Duration::from_secs(10));
        run_webhooks(t, &apps).await; // second attempt: 500 again, waits 20 s
        assert_eq!(s.receiver.got("/pingboard").len(), 2);
        s.clock.advance(Duration::from_secs(10));
        run_webhooks(t, &apps).await;
        assert_eq!(s.receiver.got("/pingboard").len(), 2, "backoff doubled");
        s.clock.advance(Duration::from_secs(10));
        run_webhooks(t, &apps).await; // delivered, and the next one after it
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 4, "{got:?}");
        for r in &got {
            assert_signed(r, &s.secret);
        }
        // The same event id on every attempt; each event delivered once, in order.
        assert_eq!(got[0].event_id, got[1].event_id);
        assert_eq!(got[1].event_id, got[2].event_id);
        let delivered: Vec<&Received> = got.iter().filter(|r| r.answered == 200).collect();
        assert_eq!(delivered.len(), 2);
        assert_ne!(delivered[0].event_id, delivered[1].event_id);
        assert_eq!(changes(delivered[0])[0].0, "group.gained");
        assert_eq!(changes(delivered[1])[0].0, "group.lost");
        run_webhooks(t, &apps).await;
        assert_eq!(s.receiver.got("/pingboard").len(), 4, "nothing sent twice");
        let overview = webhook_overview(t, s.pingboard).await;
        assert_eq!(overview.deliveries.pending, 0);
        assert!(overview.deliveries.failed.is_empty());
    }
);

on_each_backend!(
    a_429_with_retry_after_is_honoured_and_a_test_event_is_signed,
    |backend| async move {
        let s = setup(backend).await;
        let (t, apps) = (&s.t, [s.pingboard]);
        s.receiver.script(&[(429, Some(120))]);
        let cli = Caller::cli("test");
        let event = t
            .app
            .send_app_webhook_test(&cli, s.pingboard)
            .await
            .unwrap();
        run_webhooks(t, &apps).await;
        assert_eq!(s.receiver.got("/pingboard").len(), 1);
        s.clock.advance(Duration::from_secs(60));
        run_webhooks(t, &apps).await;
        assert_eq!(
            s.receiver.got("/pingboard").len(),
            1,
            "Retry-After: 120 is waited out, not the 10 s backoff"
        );
        s.clock.advance(Duration::from_secs(61));
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].answered, 200);
        assert_eq!(got[1].event_id, event);
        assert_signed(&got[1], &s.secret);
        assert_eq!(got[1].json()["test"], true);

        // A new secret signs from now on.
        let new_secret = t
            .app
            .make_app_webhook_secret(&cli, s.pingboard)
            .await
            .unwrap();
        assert_ne!(new_secret, s.secret);
        t.app
            .send_app_webhook_test(&cli, s.pingboard)
            .await
            .unwrap();
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_signed(&got[2], &new_secret);
    }
);

on_each_backend!(
    a_delivery_given_up_is_shown_as_failed_and_retried_by_hand,
    |backend| async move {
        let s = setup(backend).await;
        let (t, apps) = (&s.t, [s.pingboard]);
        s.receiver.script(&[(500, None); 40]);
        let cli = Caller::cli("test");
        t.app
            .send_app_webhook_test(&cli, s.pingboard)
            .await
            .unwrap();
        for _ in 0..jumpgate_domain::apps::webhooks::MAX_ATTEMPTS {
            run_webhooks(t, &apps).await;
            s.clock.advance(Duration::from_secs(3601));
        }
        let overview = webhook_overview(t, s.pingboard).await;
        assert_eq!(overview.deliveries.pending, 0);
        assert_eq!(
            overview.deliveries.failed.len(),
            1,
            "never silently dropped"
        );
        let failed = overview.deliveries.failed[0].clone();
        // The page lists it with "retry now" (signed in again: hours went by, EVE's clock
        // with Jumpgate's).
        t.sim.set_time(s.clock.now(), 1.0);
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let (_, page) = admin.get_text(&format!("/apps/{}", s.pingboard)).await;
        assert!(page.contains(&failed.event_id), "{page}");
        assert!(page.contains("data-action=\"retry-delivery\""));
        s.receiver.state.lock().unwrap().script.clear();
        let r = admin
            .post_form(
                &format!(
                    "/apps/{}/webhook/deliveries/{}/retry",
                    s.pingboard, failed.id
                ),
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.last().unwrap().answered, 200);
        assert_eq!(got.last().unwrap().event_id, failed.event_id);
    }
);

on_both_backends!(
    a_private_or_plain_http_url_is_refused_unless_allowed,
    |t: TestApp| async move {
        let cli = Caller::cli("test");
        let app = t.app.create_app(&cli, "Pingboard").await.unwrap();
        for url in [
            "http://127.0.0.1:9/hook",
            "https://127.0.0.1/hook",
            "https://10.0.0.1/hook",
            "https://169.254.169.254/latest",
            "https://[::1]/hook",
        ] {
            let e = t
                .app
                .set_app_webhook(&cli, app, url, true)
                .await
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("private") || e.contains("https://"),
                "{url}: {e}"
            );
        }
        let e = t
            .app
            .set_app_webhook(&cli, app, "ftp://example.org/", true)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("must start with https://"), "{e}");
        assert!(t.store.app_webhook(app).await.unwrap().is_none());
        // The page says so too.
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let r = admin
            .post_form(
                &format!("/apps/{app}/webhook"),
                &[("url", "https://10.1.2.3/hook"), ("enabled", "on")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let text = r.text().await.unwrap();
        assert!(text.contains("private, loopback or link-local"), "{text}");
    }
);

on_each_backend!(
    the_page_sets_the_url_shows_the_secret_once_and_removes_it,
    |backend| async move {
        let (t, _) = world(backend).await;
        let receiver = Receiver::start().await;
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let app = t
            .app
            .create_app(&Caller::cli("test"), "Pingboard")
            .await
            .unwrap();
        let page = format!("/apps/{app}");
        let (_, shown) = admin.get_text(&page).await;
        assert!(shown.contains("Add webhook"), "{shown}");
        let r = admin
            .post_form(
                &format!("{page}/webhook"),
                &[("url", &receiver.url("/hook")), ("enabled", "on")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let answer = r.text().await.unwrap();
        assert!(answer.contains("data-webhook-secret"), "{answer}");
        let (_, shown) = admin.get_text(&page).await;
        assert!(shown.contains(&receiver.url("/hook")));
        assert!(shown.contains("webhook-state\">on"));
        // Saving again keeps the secret (no secret page); a new one is shown once.
        let r = admin
            .post_form(
                &format!("{page}/webhook"),
                &[("url", &receiver.url("/hook"))],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, shown) = admin.get_text(&page).await;
        assert!(shown.contains("webhook-state\">off"));
        let r = admin
            .post_form(&format!("{page}/webhook/secret"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("data-webhook-secret"));
        let r = admin.post_form(&format!("{page}/webhook/clear"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(t.store.app_webhook(app).await.unwrap().is_none());
        // Audited.
        let actions: Vec<String> = t
            .store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("app.webhook".into()),
                limit: 20,
                ..Default::default()
            })
            .await
            .unwrap()
            .iter()
            .map(|e| e.action.clone())
            .collect();
        for expected in [
            "app.webhook_set",
            "app.webhook_secret_made",
            "app.webhook_cleared",
        ] {
            assert!(
                actions.iter().any(|a| a == expected),
                "{expected}: {actions:?}"
            );
        }
        // Someone else is told it does not exist.
        let outsider = t.browser();
        outsider.login_ok(t.member_character()).await;
        let r = outsider
            .post_form(&format!("{page}/webhook"), &[("url", &receiver.url("/x"))])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
);

on_each_backend!(
    a_character_moved_to_another_account_or_removed_is_sent_for_that_character,
    |backend| async move {
        let s = setup(backend).await;
        let (t, apps) = (&s.t, [s.pingboard]);
        let first_account = t.account_of(s.first).await;
        let second_account = t.account_of(s.second).await;
        // The first character leaves its account (in Pilots) for the second's (not in it).
        t.store
            .move_character(
                jumpgate_domain::CharacterId(s.first),
                second_account,
                jumpgate_domain::account::RemovalReason::Moved,
                None,
            )
            .await
            .unwrap();
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            changes(&got[0]),
            vec![("group.lost".to_owned(), s.pilots.get(), vec![s.first])]
        );
        assert_eq!(
            got[0].json()["changes"][0]["account_id"],
            first_account.get()
        );
        // Its new account joins Pilots: every character of it gains the group.
        add_member(t, s.pilots, s.second).await;
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 2);
        let gained = changes(&got[1]);
        assert_eq!(gained[0].0, "group.gained");
        assert!(gained[0].2.contains(&s.first) && gained[0].2.contains(&s.second));
        // Removed from Jumpgate: lost, for that character.
        t.store
            .remove_character(
                jumpgate_domain::CharacterId(s.first),
                jumpgate_domain::account::RemovalReason::RemovedByOwner,
                None,
            )
            .await
            .unwrap();
        run_webhooks(t, &apps).await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 3);
        assert_eq!(
            changes(&got[2]),
            vec![("group.lost".to_owned(), s.pilots.get(), vec![s.first])]
        );
    }
);

on_each_backend!(
    the_scan_job_queues_one_delivery_job_that_a_worker_runs,
    |backend| async move {
        let s = setup(backend).await;
        let t = &s.t;
        add_member(t, s.pilots, s.second).await;
        assert!(
            t.run_job("app-webhooks", serde_json::Value::Null)
                .await
                .is_none(),
            "the scan succeeded"
        );
        let numbers = t.last_run_numbers("app-webhooks").await;
        assert_eq!(numbers.get("deliveries"), Some(&1), "{numbers:?}");
        assert_eq!(numbers.get("delivery jobs"), Some(&1), "{numbers:?}");
        // The queued delivery job (one per application), run by a worker as in production.
        let worker = t.start_worker(Duration::from_millis(50));
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while s.receiver.got("/pingboard").is_empty() {
            assert!(std::time::Instant::now() < deadline, "never delivered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        worker.stop().await;
        let got = s.receiver.got("/pingboard");
        assert_eq!(got.len(), 1);
        assert_signed(&got[0], &s.secret);
        assert_eq!(changes(&got[0])[0].0, "group.gained");
        assert!(s.receiver.got("/wiki").is_empty());
    }
);

on_each_backend!(
    a_manager_sets_the_webhook_of_their_application_from_its_page,
    |backend| async move {
        let (t, _) = world(backend).await;
        let receiver = Receiver::start().await;
        t.browser()
            .login_ok(t.sim.characters()[0].character_id)
            .await; // the demo's superuser first
        let manager_character = t.member_character();
        let manager = t.browser();
        manager.login_ok(manager_character).await;
        let cli = Caller::cli("test");
        let app = t.app.create_app(&cli, "Pingboard").await.unwrap();
        t.app
            .add_app_manager(&cli, app, &manager_character.to_string())
            .await
            .unwrap();
        let page = format!("/apps/{app}");
        let (status, shown) = manager.get_text(&page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(shown.contains("Add webhook"), "{shown}");
        let r = manager
            .post_form(
                &format!("{page}/webhook"),
                &[("url", &receiver.url("/hook")), ("enabled", "on")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("data-webhook-secret"));
        let r = manager
            .post_form(&format!("{page}/webhook/test"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        t.app.deliver_app_webhook(&system(), app).await.unwrap();
        let got = receiver.got("/hook");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].json()["test"], true);
        let (_, shown) = manager.get_text(&page).await;
        assert!(shown.contains("delivered (HTTP 200)"), "{shown}");
    }
);
