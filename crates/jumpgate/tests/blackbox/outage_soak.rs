//! The outage soak of issue 10, small enough for every change: 40 enrolled characters, a
//! 2½-minute ESI outage (random 5xx, then ESI's downtime answer; the SSO down too) and 2½ minutes
//! of 10 % random 5xx, with standings changed in both, on a clock running 30 times as fast as
//! the wall clock that Jumpgate and the simulator share. The scenario and its measures are the
//! benchmark's (`examples/bench_outage_soak.rs`, 2,000 characters and half an hour, figures in
//! docs/benchmarks.md), included here rather than copied.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[path = "../../examples/bench_support/enrolled.rs"]
mod enrolled;
#[path = "../../examples/bench_support/outage.rs"]
#[allow(dead_code)] // the benchmark prints the whole report; the test asserts on its misses
mod outage;

use crate::support::{Backend, CLIENT_ID, TestApp};
use enrolled::Enrolled;
use jumpgate_app::jobs::WorkerSettings;
use jumpgate_domain::clock::{Clock, ScaledClock};
use jumpgate_evesim::SimConfig;
use outage::{Plan, Soak};
use std::sync::Arc;
use std::time::Duration;

const SPEED: f64 = 30.0;

async fn soak(backend: Backend) {
    let clock = Arc::new(ScaledClock::new(crate::support::test_start(), SPEED));
    let t = TestApp::start(backend, clock.clone(), SimConfig::default(), |s| {
        s.standings.label_name = "Blue".into();
        // One reconcile spread over the faults, affiliation sweeps and a token check in them.
        s.standings.sync_interval = Duration::from_secs(5 * 60);
        s.jobs.affiliation_interval = Duration::from_secs(60);
        s.jobs.token_check_interval = Duration::from_secs(5 * 60);
        // The worker extends leases by the wall clock: a lease of a wall minute.
        s.jobs.lease = Duration::from_secs(60).mul_f64(SPEED);
    })
    .await;
    t.sim.set_time(clock.now(), clock.speed());
    let mut world = Enrolled::pick(&t.sim, 40, 30).unwrap();
    world
        .seed(&t.app, &t.store, &t.sim, CLIENT_ID)
        .await
        .unwrap();
    let report = Soak {
        app: &t.app,
        store: &t.store,
        sim: &t.sim,
        clock: &clock,
        world: &mut world,
        worker: WorkerSettings {
            poll_interval: Duration::from_secs(2).div_f64(SPEED),
            ..jumpgate::server::worker_settings(&t.settings, &t.app)
        },
    }
    .run(&Plan {
        outage: Duration::from_secs(150),
        flaky: Duration::from_secs(150),
        fault_rate: 0.1,
        drain_timeout: Duration::from_secs(60),
    })
    .await
    .unwrap();
    assert!(
        report.misses().is_empty(),
        "broken promises: {:#?}\n{report:#?}",
        report.misses()
    );
    // The soak met what it is about: the outage and the errors were answered.
    let answered = |phase: &str, status: u16| {
        report.calls.get(phase).map_or(0, |calls| {
            calls
                .iter()
                .filter(|((_, s), _)| *s == status)
                .map(|(_, n)| n)
                .sum::<usize>()
        })
    };
    assert!(answered("1 outage", 503) > 0, "{report:#?}");
    assert!(
        (500..=504).any(|s| answered("2 random 5xx", s) > 0),
        "{report:#?}"
    );
}

on_each_backend!(
    an_esi_outage_then_random_errors_invalidate_no_token_earn_no_limit_and_lose_or_double_no_write,
    soak
);
