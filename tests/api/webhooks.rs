//! Webhooks end to end: a real HTTP receiver on loopback takes the deliveries, and every
//! signature is checked with the `standardwebhooks` crate (the Standard Webhooks
//! project's own Rust implementation), not with the service's code.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use poem::listener::{Acceptor, Listener, TcpListener};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: poem::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn id(&self) -> String {
        self.header("webhook-id")
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Whether the Standard Webhooks library accepts the request with this secret.
    pub fn verifies_with(&self, secret: &str) -> bool {
        let wh = standardwebhooks::Webhook::new(secret).expect("a secret the library reads");
        wh.verify(&self.body, &self.headers).is_ok()
    }
}

/// How the receiver answers one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// This status, with a short body.
    Status(u16),
    /// This (redirect) status, with a `Location` header.
    Redirect(u16, String),
    /// 200 with a body that never ends.
    Endless,
}

/// The body chunk of an endless answer.
static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// Counts a request in flight while it lives.
struct InFlight {
    now: Arc<AtomicUsize>,
}

impl InFlight {
    fn enter(now: &Arc<AtomicUsize>, most: &AtomicUsize) -> Self {
        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
        most.fetch_max(n, Ordering::SeqCst);
        Self { now: now.clone() }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A webhook receiver on a loopback port: answers each request with the next answer of
/// its script (200 once the script is over), each after its delay, and keeps what it
/// got. While held, it keeps the requests waiting for their answer. It counts the
/// requests waiting for their answer at the same time, and the bytes of endless answers
/// it sent.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    open: tokio::sync::watch::Sender<bool>,
    delay: Arc<Mutex<Duration>>,
    most_in_flight: Arc<AtomicUsize>,
    streamed: Arc<AtomicUsize>,
}

impl Receiver {
    pub async fn start() -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answers: Arc<Mutex<VecDeque<Answer>>> = Arc::default();
        let delay: Arc<Mutex<Duration>> = Arc::default();
        let in_flight: Arc<AtomicUsize> = Arc::default();
        let most_in_flight: Arc<AtomicUsize> = Arc::default();
        let streamed: Arc<AtomicUsize> = Arc::default();
        let (open, gate) = tokio::sync::watch::channel(true);
        let (g, a, d, now, most, sent) = (
            got.clone(),
            answers.clone(),
            delay.clone(),
            in_flight.clone(),
            most_in_flight.clone(),
            streamed.clone(),
        );
        let hook = poem::endpoint::make(move |req: poem::Request| {
            let (g, a, d, mut gate) = (g.clone(), a.clone(), d.clone(), gate.clone());
            let (now, most, sent) = (now.clone(), most.clone(), sent.clone());
            async move {
                let _in_flight = InFlight::enter(&now, &most);
                let headers = req.headers().clone();
                let body = req.into_body().into_vec().await.unwrap_or_default();
                g.lock().unwrap().push(Received { headers, body });
                let _ = gate.wait_for(|open| *open).await;
                let wait = *d.lock().unwrap();
                tokio::time::sleep(wait).await;
                let answer = a.lock().unwrap().pop_front().unwrap_or(Answer::Status(200));
                let status = |s: u16| poem::http::StatusCode::from_u16(s).unwrap();
                match answer {
                    Answer::Status(s) => poem::Response::builder().status(status(s)).body("thanks"),
                    Answer::Redirect(s, location) => poem::Response::builder()
                        .status(status(s))
                        .header("location", location)
                        .body("elsewhere"),
                    Answer::Endless => {
                        let chunks = futures::stream::repeat_with(move || {
                            sent.fetch_add(CHUNK.len(), Ordering::SeqCst);
                            Ok::<_, std::io::Error>(bytes::Bytes::from_static(&CHUNK))
                        });
                        poem::Response::builder()
                            .status(status(200))
                            .body(poem::Body::from_bytes_stream(chunks))
                    }
                }
            }
        });
        let app = poem::Route::new().at("/hook", hook);
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind");
        let addr = acceptor.local_addr()[0]
            .as_socket_addr()
            .copied()
            .expect("address");
        tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
        });
        Self {
            url: format!("http://{addr}/hook"),
            got,
            answers,
            open,
            delay,
            most_in_flight,
            streamed,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.url
            .parse::<reqwest::Url>()
            .ok()
            .and_then(|u| u.port())
            .expect("a port")
    }

    /// Waits this long before each answer.
    pub fn answer_after(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    /// The next answers.
    pub fn answer_with(&self, answers: impl IntoIterator<Item = Answer>) {
        self.answers.lock().unwrap().extend(answers);
    }

    /// The most requests that waited for their answer at the same time.
    pub fn most_in_flight(&self) -> usize {
        self.most_in_flight.load(Ordering::SeqCst)
    }

    /// The bytes of endless answers sent so far.
    pub fn streamed(&self) -> usize {
        self.streamed.load(Ordering::SeqCst)
    }

    /// Keeps the answers back until [`Receiver::release`].
    pub fn hold(&self) {
        self.open.send_replace(false);
    }

    pub fn release(&self) {
        self.open.send_replace(true);
    }

    /// The statuses of the next answers.
    pub fn answer(&self, statuses: &[u16]) {
        self.answer_with(statuses.iter().map(|s| Answer::Status(*s)));
    }

    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests came (at most `within`), and returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let until = tokio::time::Instant::now() + within;
        loop {
            let got = self.got();
            if got.len() >= n || tokio::time::Instant::now() > until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The app, allowed to deliver to the loopback receiver.
pub async fn app() -> TestApp {
    TestApp::spawn_with(|c| c.webhooks_allow_private = true).await
}

/// A partner client (its id) of an organisation, or of none.
pub async fn client(app: &TestApp, admin: &Actor, org: Option<Uuid>, scopes: &[&str]) -> Uuid {
    let (_, body) = app
        .create(
            "/api/v1/clients",
            &admin.token,
            json!({
                "name": format!("Intranet {}", scopes.join(" ")),
                "organization_id": org,
                "scopes": scopes,
                "contact_email": "beheer@intranet.test",
            }),
        )
        .await;
    body["client_id"].as_str().unwrap().parse().unwrap()
}

/// Registers an endpoint; returns its id and secret.
pub async fn endpoint(
    app: &TestApp,
    admin: &Actor,
    client: Uuid,
    url: &str,
    events: &[&str],
) -> (Uuid, String) {
    let (_, body) = app
        .create(
            "/api/v1/webhooks",
            &admin.token,
            json!({"client_id": client, "url": url, "events": events, "description": "Intranet"}),
        )
        .await;
    (id_of(&body), body["secret"].as_str().unwrap().to_owned())
}

pub(crate) async fn register(app: &TestApp, person: &Actor, edition: Uuid) -> Uuid {
    let (_, body) = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &person.token,
            json!({}),
        )
        .await;
    id_of(&body)
}

pub(crate) async fn deliveries(app: &TestApp, admin: &Actor, webhook: Uuid) -> Vec<Value> {
    let (status, body) = app
        .get(
            &format!("/api/v1/webhooks/{webhook}/deliveries?limit=200"),
            &admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

/// Waits until the endpoint's first delivery has `n` attempts.
async fn attempts_reach(app: &TestApp, admin: &Actor, webhook: Uuid, n: usize) -> Value {
    for _ in 0..400 {
        let list = deliveries(app, admin, webhook).await;
        if let Some(d) = list.first()
            && d["attempts"].as_array().unwrap().len() >= n
        {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery never reached {n} attempts");
}

/// Waits until the mail that an endpoint was turned off is sent, and checks it went once,
/// to the client's contact.
async fn contact_is_told_once(app: &TestApp, admin: &Actor, webhook: Uuid) -> Value {
    let mut sent = Vec::new();
    for _ in 0..100 {
        let (status, messages) = app
            .get("/api/v1/messages?kind=webhook.disabled", &admin.token)
            .await;
        assert_eq!(status, StatusCode::OK, "{messages}");
        sent = messages["items"].as_array().unwrap().clone();
        if sent.first().is_some_and(|m| m["status"] == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["status"], "sent", "{sent:?}");
    assert_eq!(sent[0]["recipient"], "beheer@intranet.test");
    assert_eq!(sent[0]["about_id"], webhook.to_string(), "{sent:?}");
    sent[0].clone()
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_failing_receiver_gets_the_event_again_on_schedule_and_the_log_shows_each_attempt() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Jeugdzorg Flevoland", "provider")
        .await;
    let person = app
        .person(&admin, org, &["professional"], "anna@example.test")
        .await;
    let edition = app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let receiver = Receiver::start().await;
    receiver.answer(&[500, 500]);
    let partner = client(&app, &admin, Some(org), &["registrations:read"]).await;
    let (webhook, secret) = endpoint(
        &app,
        &admin,
        partner,
        &receiver.url,
        &["registration.created", "registration.status_changed"],
    )
    .await;
    assert!(secret.starts_with("whsec_"));
    let registration = register(&app, &person, edition).await;

    // First attempt at once; the next one 5 seconds later.
    let d = attempts_reach(&app, &admin, webhook, 1).await;
    assert_eq!(d["status"], "queued");
    assert_eq!(d["event_type"], "registration.created");
    let first = &d["attempts"][0];
    assert_eq!(first["status_code"], 500);
    assert_eq!(first["error"], "answered 500");
    let wait = time(&d["next_attempt_at"]) - time(&first["at"]);
    assert_eq!(wait.num_seconds(), 5, "{d}");

    // The second, after those 5 seconds; then 5 minutes.
    let d = attempts_reach(&app, &admin, webhook, 2).await;
    let second = &d["attempts"][1];
    assert_eq!(second["status_code"], 500);
    let wait = time(&d["next_attempt_at"]) - time(&second["at"]);
    assert_eq!(wait.num_seconds(), 300, "{d}");

    // Five minutes pass.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::webhook_delivery::Entity::update_many()
        .col_expr(
            entity::webhook_delivery::Column::DueAt,
            Expr::value(academy::domain::now()),
        )
        .filter(entity::webhook_delivery::Column::EndpointId.eq(webhook))
        .exec(&app.state.db)
        .await
        .unwrap();
    let d = attempts_reach(&app, &admin, webhook, 3).await;
    for _ in 0..100 {
        if deliveries(&app, &admin, webhook).await[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = deliveries(&app, &admin, webhook)
        .await
        .into_iter()
        .next()
        .unwrap_or(d);
    assert_eq!(d["status"], "delivered", "{d}");
    let codes: Vec<i64> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 500, 200]);
    assert!(d["next_attempt_at"].is_null());

    // The receiver got the same event three times, under one id, each signed.
    let got = receiver.got();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|r| r.id() == got[0].id()));
    assert_eq!(got[0].id(), d["event_id"].as_str().unwrap());
    for r in &got {
        assert!(r.verifies_with(&secret), "signature of {:?}", r.headers);
        assert!(!r.verifies_with("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assert_eq!(r.header("content-type"), "application/json");
    }
    // A thin payload: ids, status and where to fetch the registration; nothing personal.
    let body = got[2].json();
    assert_eq!(body["type"], "registration.created");
    assert_eq!(body["id"], got[2].id());
    assert_eq!(body["data"]["registration_id"], registration.to_string());
    assert_eq!(body["data"]["edition_id"], edition.to_string());
    assert_eq!(body["data"]["user_id"], person.id.to_string());
    assert_eq!(body["data"]["status"], "confirmed");
    assert_eq!(
        body["data"]["url"],
        format!("{ISSUER}/api/v1/registrations/{registration}")
    );
    let text = String::from_utf8_lossy(&got[2].body).to_string();
    assert!(!text.contains("anna") && !text.contains("Test "), "{text}");
    assert!(body["occurred_at"].as_str().unwrap().ends_with('Z'));

    // A tampered body fails the library's check.
    let mut tampered = got[2].clone();
    tampered.body = text.replace("confirmed", "cancelled").into_bytes();
    assert!(!tampered.verifies_with(&secret));
}

#[tokio::test]
async fn a_client_hears_of_its_own_organisation_only() {
    let app = app().await;
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Provider A", "provider").await;
    let org_b = app.create_org(&admin, "Provider B", "provider").await;
    let pro_a = app
        .person(&admin, org_a, &["professional"], "a@example.test")
        .await;
    let pro_b = app
        .person(&admin, org_b, &["professional"], "b@example.test")
        .await;
    let (rx_a, rx_b, rx_site) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let everything = [
        "registration.created",
        "registration.status_changed",
        "attendance.marked",
        "certificate.issued",
        "certificate.revoked",
        "user.erased",
    ];
    let scopes = [
        "registrations:read",
        "certificates:read",
        "users:read",
        "reports:read",
    ];
    let client_a = client(&app, &admin, Some(org_a), &scopes).await;
    let client_b = client(&app, &admin, Some(org_b), &scopes).await;
    let (_, secret_a) = endpoint(&app, &admin, client_a, &rx_a.url, &everything).await;
    let (_, secret_b) = endpoint(&app, &admin, client_b, &rx_b.url, &everything).await;
    // The academy's website: the catalogue, for no organisation.
    let site = client(&app, &admin, None, &["catalog:read"]).await;
    let (_, secret_site) = endpoint(
        &app,
        &admin,
        site,
        &rx_site.url,
        &["edition.published", "edition.changed", "session.changed"],
    )
    .await;

    let edition = app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let reg_a = register(&app, &pro_a, edition).await;
    let reg_b = register(&app, &pro_b, edition).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/registrations/{reg_b}/cancel"),
            &pro_b.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{edition}"),
            &admin.token,
            json!({"capacity": 12}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{}/erase", pro_a.id),
            &admin.token,
            json!({"reason": "asked for it"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let got_a = rx_a.wait_for(2, Duration::from_secs(20)).await;
    let got_b = rx_b.wait_for(2, Duration::from_secs(20)).await;
    let got_site = rx_site.wait_for(2, Duration::from_secs(20)).await;
    // Give stray deliveries time to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let types = |got: &[Received]| -> Vec<(String, String)> {
        got.iter()
            .map(|r| {
                let b = r.json();
                let about = b["data"]["registration_id"]
                    .as_str()
                    .or(b["data"]["user_id"].as_str())
                    .or(b["data"]["edition_id"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                (b["type"].as_str().unwrap().to_owned(), about)
            })
            .collect()
    };
    let mut a = types(&rx_a.got());
    a.sort();
    let mut expected_a = vec![
        ("registration.created".to_owned(), reg_a.to_string()),
        ("user.erased".to_owned(), pro_a.id.to_string()),
    ];
    expected_a.sort();
    assert_eq!(a, expected_a, "{got_a:?}");
    let b = types(&rx_b.got());
    assert_eq!(
        b,
        [
            ("registration.created".to_owned(), reg_b.to_string()),
            ("registration.status_changed".to_owned(), reg_b.to_string()),
        ],
        "{got_b:?}"
    );
    let site_types: Vec<String> = types(&rx_site.got()).into_iter().map(|t| t.0).collect();
    assert_eq!(
        site_types,
        ["edition.published", "edition.changed"],
        "{got_site:?}"
    );
    let changed = rx_site.got()[1].json();
    assert_eq!(changed["data"]["changed"], json!(["capacity"]));
    assert_eq!(
        changed["data"]["url"],
        format!("{ISSUER}/api/v1/editions/{edition}")
    );
    for (got, secret) in [
        (rx_a.got(), &secret_a),
        (rx_b.got(), &secret_b),
        (rx_site.got(), &secret_site),
    ] {
        assert!(got.iter().all(|r| r.verifies_with(secret)));
    }
}

#[tokio::test]
async fn endpoints_may_only_ask_for_what_their_client_reads() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let catalogue = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let unbound = client(&app, &admin, None, &["registrations:read"]).await;
    let url = "http://127.0.0.1:9/hook";
    let refused = |body: &Value, field: &str| -> String {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .map(|e| e["message"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no error on {field}: {body}"))
    };
    let (status, body) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({"client_id": catalogue, "url": url, "events": ["edition.changed", "certificate.issued"]}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(
        refused(&body, "events[1]"),
        "needs the client to hold certificates:read"
    );
    let (status, body) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({"client_id": unbound, "url": url, "events": ["registration.created"]}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(refused(&body, "events[0]").contains("bound to no organisation"));
    let (status, body) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({"client_id": Uuid::now_v7(), "url": url, "events": ["edition.changed"]}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({"client_id": catalogue, "url": url, "events": ["edition.deleted"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Without ACADEMY_WEBHOOKS_ALLOW_PRIVATE nothing inside the network is accepted.
    let strict = TestApp::spawn().await;
    let admin = strict.admin().await;
    let org = strict.create_org(&admin, "Provider", "provider").await;
    let partner = client(&strict, &admin, Some(org), &["catalog:read"]).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
        "http://93.184.216.34/hook",
        "https://user:secret@93.184.216.34/hook",
    ] {
        let (status, body) = strict
            .post(
                "/api/v1/webhooks",
                &admin.token,
                json!({"client_id": partner, "url": url, "events": ["edition.changed"]}),
            )
            .await;
        assert_problem(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(!refused(&body, "url").is_empty());
        assert!(
            !body.to_string().contains("secret@"),
            "the URL is not echoed: {body}"
        );
    }
    let (_, body) = strict.create("/api/v1/webhooks",
            &admin.token,
            json!({"client_id": partner, "url": "https://93.184.216.34/hook", "events": ["edition.changed"]})).await;
    let id = id_of(&body);
    let (status, body) = strict
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            &admin.token,
            json!({"url": "https://192.168.1.10/hook"}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
}

#[tokio::test]
async fn a_410_turns_the_endpoint_off_and_its_contact_is_told() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    receiver.answer(&[410]);
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, _) = endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    // The 410 comes once both events are the endpoint's deliveries.
    receiver.hold();
    app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    app.open_edition(&admin, 31, json!({"capacity": 10})).await;
    for _ in 0..200 {
        if deliveries(&app, &admin, webhook).await.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    receiver.release();
    receiver.wait_for(1, Duration::from_secs(20)).await;
    let mut hook = Value::Null;
    for _ in 0..200 {
        hook = app
            .get(&format!("/api/v1/webhooks/{webhook}"), &admin.token)
            .await
            .1;
        if hook["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hook["enabled"], false, "{hook}");
    assert_eq!(hook["disabled_reason"], "the endpoint answered 410 Gone");
    // The second event is not tried: it is given up with the endpoint.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.got().len(), 1);
    let list = deliveries(&app, &admin, webhook).await;
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|d| d["status"] == "failed"), "{list:?}");
    // Ping and redeliver wait until it is turned on again.
    let ping = app
        .post(
            &format!("/api/v1/webhooks/{webhook}/ping"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_problem(ping.0, &ping.1, StatusCode::CONFLICT, "webhook_disabled");
    contact_is_told_once(&app, &admin, webhook).await;

    // Turned on again, it gets its events, and an admin can send the missed one again.
    let (status, body) = app
        .patch(
            &format!("/api/v1/webhooks/{webhook}"),
            &admin.token,
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["disabled_reason"].is_null());
    let missed = list[1]["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/v1/webhooks/{webhook}/deliveries/{missed}/redeliver"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "queued");
    let (status, ping) = app
        .post(
            &format!("/api/v1/webhooks/{webhook}/ping"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{ping}");
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3);
    assert_eq!(got[1].id(), list[1]["event_id"].as_str().unwrap());
    assert_eq!(got[2].json()["type"], "webhook.ping");
    assert_eq!(got[2].id(), ping["event_id"].as_str().unwrap());
}

#[tokio::test]
async fn an_endpoint_failing_for_three_days_is_turned_off() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    receiver.answer(&[503, 503]);
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, _) = endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    attempts_reach(&app, &admin, webhook, 1).await;
    let hook = app
        .get(&format!("/api/v1/webhooks/{webhook}"), &admin.token)
        .await
        .1;
    assert_eq!(hook["enabled"], true);
    assert!(!hook["failing_since"].is_null(), "{hook}");
    // Three days of failures pass.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::webhook_endpoint::Entity::update_many()
        .col_expr(
            entity::webhook_endpoint::Column::FailingSince,
            Expr::value(Some(academy::domain::now() - chrono::Duration::days(3))),
        )
        .filter(entity::webhook_endpoint::Column::Id.eq(webhook))
        .exec(&app.state.db)
        .await
        .unwrap();
    attempts_reach(&app, &admin, webhook, 2).await;
    let mut hook = Value::Null;
    for _ in 0..100 {
        hook = app
            .get(&format!("/api/v1/webhooks/{webhook}"), &admin.token)
            .await
            .1;
        if hook["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hook["enabled"], false, "{hook}");
    assert_eq!(
        hook["disabled_reason"],
        "every delivery to the endpoint failed for three days"
    );
    // Its client's contact is told, once.
    contact_is_told_once(&app, &admin, webhook).await;
    // The delivery is given up with the endpoint, and no more attempts follow.
    let list = deliveries(&app, &admin, webhook).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["status"], "failed", "{list:?}");
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_for_a_day() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, old) =
        endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/webhooks/{webhook}/rotate-secret"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let until = time(&body["previous_secret_until"]) - chrono::Utc::now();
    assert!((23..=24).contains(&until.num_hours()), "{body}");
    // The secret is not shown again.
    let (_, shown) = app
        .get(&format!("/api/v1/webhooks/{webhook}"), &admin.token)
        .await;
    assert!(shown.get("secret").is_none());
    assert!(!shown.to_string().contains("whsec_"));
    app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    assert!(got[0].verifies_with(&new));
    assert!(got[0].verifies_with(&old));
}

#[tokio::test]
async fn two_instances_deliver_each_event_once_in_order_per_registration() {
    let app = app().await;
    let other = app
        .another_instance_with(|c| c.webhooks_allow_private = true)
        .await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    let partner = client(&app, &admin, Some(org), &["registrations:write"]).await;
    let (_, secret) = endpoint(
        &app,
        &admin,
        partner,
        &receiver.url,
        &["registration.created", "registration.status_changed"],
    )
    .await;
    let edition = app.open_edition(&admin, 30, json!({"capacity": 100})).await;
    let people = app.people(&admin, org, "p", 24).await;
    let apps = [&app, &other];
    let mut registrations = Vec::new();
    for chunk in people.chunks(8) {
        let batch = chunk.iter().enumerate().map(|(i, p)| {
            let on = apps[i % 2];
            async move {
                let r = register(on, p, edition).await;
                let (status, body) = on
                    .post(
                        &format!("/api/v1/registrations/{r}/cancel"),
                        &p.token,
                        json!({}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                r
            }
        });
        registrations.extend(futures::future::join_all(batch).await);
    }
    let got = receiver.wait_for(48, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = receiver
        .got()
        .into_iter()
        .chain(got.into_iter().take(0))
        .collect::<Vec<_>>();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *seen.entry(r.id()).or_default() += 1;
        assert!(r.verifies_with(&secret));
    }
    assert_eq!(got.len(), 48, "every event once: {seen:?}");
    assert!(seen.values().all(|n| *n == 1));
    // Per registration: created, then cancelled.
    for r in &registrations {
        let theirs: Vec<String> = got
            .iter()
            .map(Received::json)
            .filter(|b| b["data"]["registration_id"] == r.to_string())
            .map(|b| {
                format!(
                    "{}:{}",
                    b["type"].as_str().unwrap(),
                    b["data"]["status"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            theirs,
            [
                "registration.created:confirmed",
                "registration.status_changed:cancelled"
            ]
        );
    }
}

#[tokio::test]
async fn attendance_certificates_and_sessions_reach_the_partners_that_may_read_them() {
    use crate::certificates::{enrol, mark, past_edition};
    let app = app().await;
    let admin = app.admin().await;
    let academy = app.create_org(&admin, "Academie", "academy").await;
    let org_a = app.create_org(&admin, "Provider A", "provider").await;
    let org_b = app.create_org(&admin, "Provider B", "provider").await;
    let trainer = app
        .person(&admin, academy, &["trainer"], "t@example.test")
        .await;
    let pro_a = app
        .person(&admin, org_a, &["professional"], "a@example.test")
        .await;
    let pro_b = app
        .person(&admin, org_b, &["professional"], "b@example.test")
        .await;
    let (edition, sessions) = past_edition(&app, &admin, &trainer, "Meldcode", 2, 50.0).await;
    let reg_a = enrol(&app, &admin, edition, &pro_a).await;
    let reg_b = enrol(&app, &admin, edition, &pro_b).await;

    let (rx_a, rx_site) = (Receiver::start().await, Receiver::start().await);
    let client_a = client(
        &app,
        &admin,
        Some(org_a),
        &["reports:read", "certificates:read"],
    )
    .await;
    let (_, secret_a) = endpoint(
        &app,
        &admin,
        client_a,
        &rx_a.url,
        &[
            "attendance.marked",
            "certificate.issued",
            "certificate.revoked",
        ],
    )
    .await;
    let site = client(&app, &admin, None, &["catalog:read"]).await;
    let (_, secret_site) = endpoint(&app, &admin, site, &rx_site.url, &["session.changed"]).await;

    for session in &sessions {
        let (status, body) = mark(
            &app,
            &trainer.token,
            *session,
            json!([
                {"registration_id": reg_a, "status": "present"},
                {"registration_id": reg_b, "status": "present"},
            ]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{edition}/close"),
            &trainer.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = rx_a.wait_for(3, Duration::from_secs(20)).await;
    let issued = got
        .iter()
        .map(Received::json)
        .find(|b| b["type"] == "certificate.issued")
        .expect("certificate.issued");
    let certificate = issued["data"]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(issued["data"]["user_id"], pro_a.id.to_string());
    assert_eq!(
        issued["data"]["url"],
        format!("{ISSUER}/api/v1/certificates/{certificate}")
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/certificates/{certificate}/revoke"),
            &admin.token,
            json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A session of a published edition moves: the website hears of it.
    let open = app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let (_, listed) = app
        .get(&format!("/api/v1/editions/{open}/sessions"), &admin.token)
        .await;
    let session = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{session}"),
            &admin.token,
            json!({"location": "Lelystad, Stadhuisplein 2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let got_a = rx_a.wait_for(4, Duration::from_secs(20)).await;
    let got_site = rx_site.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let seen = |got: Vec<Received>| -> Vec<String> {
        got.iter()
            .map(|r| {
                let b = r.json();
                let d = &b["data"];
                format!(
                    "{} {} {}",
                    b["type"].as_str().unwrap(),
                    d["registration_id"]
                        .as_str()
                        .or(d["session_id"].as_str())
                        .unwrap_or_default(),
                    d["status"].as_str().unwrap_or_default()
                )
            })
            .collect()
    };
    let mut a = seen(rx_a.got());
    a.sort();
    let mut expected = vec![
        format!("attendance.marked {reg_a} present"),
        format!("attendance.marked {reg_a} present"),
        format!("certificate.issued {reg_a} valid"),
        format!("certificate.revoked {reg_a} revoked"),
    ];
    expected.sort();
    assert_eq!(a, expected, "{got_a:?}");
    assert!(rx_a.got().iter().all(|r| r.verifies_with(&secret_a)));
    // The website hears of the published edition's session only (the past edition's
    // sessions changed before its endpoint existed).
    let site_seen = seen(rx_site.got());
    assert_eq!(
        site_seen,
        [format!("session.changed {session} scheduled")],
        "{got_site:?}"
    );
    let moved = rx_site.got()[0].json();
    assert_eq!(moved["data"]["edition_id"], open.to_string());
    assert_eq!(moved["data"]["revision"], 1);
    assert_eq!(
        moved["data"]["url"],
        format!("{ISSUER}/api/v1/sessions/{session}")
    );
    assert!(rx_site.got().iter().all(|r| r.verifies_with(&secret_site)));
}

/// Waits until every delivery of the endpoint has at least one attempt (`n` of them), and
/// returns them.
async fn each_tried(app: &TestApp, admin: &Actor, webhook: Uuid, n: usize) -> Vec<Value> {
    let mut list = Vec::new();
    for _ in 0..400 {
        list = deliveries(app, admin, webhook).await;
        if list.len() >= n
            && list
                .iter()
                .all(|d| !d["attempts"].as_array().unwrap().is_empty())
        {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not every delivery was tried: {list:?}");
}

#[tokio::test]
async fn an_endpoint_leading_inside_the_network_at_delivery_time_is_never_called() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    // Without ACADEMY_WEBHOOKS_ALLOW_PRIVATE.
    let strict = TestApp::spawn().await;
    let admin = strict.admin().await;
    let org = strict.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    let partner = client(&strict, &admin, Some(org), &["catalog:read"]).await;
    // Both accepted at an outside address, then pointed inside: one at the receiver's
    // address, one at a name that resolves to it.
    let (literal, _) = endpoint(
        &strict,
        &admin,
        partner,
        "https://93.184.216.34/literal",
        &["edition.published"],
    )
    .await;
    let (named, _) = endpoint(
        &strict,
        &admin,
        partner,
        "https://93.184.216.34/named",
        &["edition.published"],
    )
    .await;
    let port = receiver.port();
    for (id, url) in [
        (literal, receiver.url.clone()),
        (named, format!("http://localhost:{port}/hook")),
    ] {
        entity::webhook_endpoint::Entity::update_many()
            .col_expr(entity::webhook_endpoint::Column::Url, Expr::value(url))
            .filter(entity::webhook_endpoint::Column::Id.eq(id))
            .exec(&strict.state.db)
            .await
            .unwrap();
    }
    strict
        .open_edition(&admin, 30, json!({"capacity": 10}))
        .await;

    let by_literal = attempts_reach(&strict, &admin, literal, 1).await;
    let by_name = attempts_reach(&strict, &admin, named, 1).await;
    let refused = &by_literal["attempts"][0];
    assert!(refused["status_code"].is_null(), "{by_literal}");
    assert_eq!(
        refused["error"],
        "the endpoint leads to an address inside the academy's network"
    );
    assert_eq!(by_literal["status"], "queued", "{by_literal}");
    let refused = &by_name["attempts"][0];
    assert!(refused["status_code"].is_null(), "{by_name}");
    let why = refused["error"].as_str().unwrap();
    assert!(why.starts_with("could not connect"), "{why}");
    assert!(
        why.contains("no address outside the academy's network"),
        "{why}"
    );
    assert!(
        !why.contains("localhost"),
        "the URL is not in the log: {why}"
    );
    assert_eq!(by_name["status"], "queued", "{by_name}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.got().is_empty(), "{:?}", receiver.got());
}

#[tokio::test]
async fn redirects_are_not_followed_and_count_as_failed_attempts() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let (receiver, elsewhere) = (Receiver::start().await, Receiver::start().await);
    receiver.answer_with([
        Answer::Redirect(302, elsewhere.url.clone()),
        Answer::Redirect(307, elsewhere.url.clone()),
    ]);
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, _) = endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    app.open_edition(&admin, 31, json!({"capacity": 10})).await;

    let list = each_tried(&app, &admin, webhook, 2).await;
    let mut first: Vec<(i64, String)> = list
        .iter()
        .map(|d| {
            let a = &d["attempts"][0];
            (
                a["status_code"].as_i64().unwrap_or_default(),
                a["error"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    first.sort();
    assert_eq!(
        first,
        [
            (302, "answered 302: redirects are not followed".to_owned()),
            (307, "answered 307: redirects are not followed".to_owned()),
        ]
    );
    // Failures: each is due again on the schedule.
    for d in &list {
        assert_eq!(d["status"], "queued", "{d}");
        let wait = time(&d["next_attempt_at"]) - time(&d["attempts"][0]["at"]);
        assert_eq!(wait.num_seconds(), 5, "{d}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.got().len(), 2);
    assert!(elsewhere.got().is_empty(), "{:?}", elsewhere.got());
}

#[tokio::test]
async fn an_answer_taking_longer_than_ten_seconds_is_a_failed_attempt() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, _) = endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    // The receiver takes the request and does not answer.
    receiver.hold();
    app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let d = attempts_reach(&app, &admin, webhook, 1).await;
    receiver.release();
    let a = &d["attempts"][0];
    assert!(a["status_code"].is_null(), "{d}");
    assert_eq!(a["error"], "no answer within 10 seconds", "{d}");
    let took = a["duration_ms"].as_i64().unwrap();
    assert!((10_000..15_000).contains(&took), "{d}");
    // Queued for its retry, unless the retry (due 5 s later) has already been delivered.
    assert!(d["status"] == "queued" || d["status"] == "delivered", "{d}");
    // The receiver got the request it held (and perhaps the retry, due 5 s later).
    assert!(!receiver.got().is_empty());
}

#[tokio::test]
async fn an_answer_is_read_no_further_than_64_kib() {
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    // 200 with a body that never ends.
    receiver.answer_with([Answer::Endless]);
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, _) = endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let d = attempts_reach(&app, &admin, webhook, 1).await;
    assert_eq!(d["status"], "delivered", "{d}");
    let a = &d["attempts"][0];
    assert_eq!(a["status_code"], 200, "{d}");
    assert!(a["error"].is_null(), "{d}");
    // Done after the first 64 KiB, not at the 10 seconds' timeout.
    assert!(a["duration_ms"].as_i64().unwrap() < 5_000, "{d}");
    // The log keeps nothing of the answer.
    let mut fields: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(fields, ["at", "duration_ms", "error", "status_code"]);
    assert!(d.to_string().len() < 2048, "{d}");
    // And the answer is not read on: the receiver's body stops.
    assert!(receiver.streamed() >= 64 * 1024);
    let mut sent = receiver.streamed();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if receiver.streamed() == sent {
            break;
        }
        sent = receiver.streamed();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.streamed(), sent, "the answer is still being read");
}

#[tokio::test]
async fn an_endpoint_gets_one_request_at_a_time_even_from_two_instances() {
    let app = app().await;
    let other = app
        .another_instance_with(|c| c.webhooks_allow_private = true)
        .await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    // Each answer takes a while, so that requests sent together would overlap.
    receiver.answer_after(Duration::from_millis(40));
    let partner = client(&app, &admin, Some(org), &["registrations:read"]).await;
    let (webhook, _) = endpoint(
        &app,
        &admin,
        partner,
        &receiver.url,
        &["registration.created", "registration.status_changed"],
    )
    .await;
    let edition = app.open_edition(&admin, 30, json!({"capacity": 100})).await;
    let people = app.people(&admin, org, "p", 12).await;
    // Everything is queued before the first answer comes.
    receiver.hold();
    let apps = [&app, &other];
    let batch = people.iter().enumerate().map(|(i, p)| {
        let on = apps[i % 2];
        async move {
            let r = register(on, p, edition).await;
            let (status, body) = on
                .post(
                    &format!("/api/v1/registrations/{r}/cancel"),
                    &p.token,
                    json!({}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    });
    futures::future::join_all(batch).await;
    for _ in 0..400 {
        if deliveries(&app, &admin, webhook).await.len() == 24 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(deliveries(&app, &admin, webhook).await.len(), 24);
    receiver.release();
    let got = receiver.wait_for(24, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(got.len(), 24);
    assert_eq!(receiver.got().len(), 24);
    assert_eq!(receiver.most_in_flight(), 1);
}

#[tokio::test]
async fn a_delivery_is_given_up_after_its_thirteenth_attempt() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    receiver.answer(&[500, 500]);
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, _) = endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let d = attempts_reach(&app, &admin, webhook, 1).await;
    assert_eq!(d["status"], "queued", "{d}");
    // Eleven more attempts failed (the endpoint not yet failing for three days): the
    // next one is the thirteenth, and due now.
    entity::webhook_delivery::Entity::update_many()
        .col_expr(entity::webhook_delivery::Column::Attempts, Expr::value(12))
        .col_expr(
            entity::webhook_delivery::Column::DueAt,
            Expr::value(academy::domain::now()),
        )
        .filter(entity::webhook_delivery::Column::EndpointId.eq(webhook))
        .exec(&app.state.db)
        .await
        .unwrap();
    let d = attempts_reach(&app, &admin, webhook, 2).await;
    assert_eq!(d["attempts"][1]["status_code"], 500, "{d}");
    assert_eq!(d["status"], "failed", "{d}");
    assert!(d["next_attempt_at"].is_null(), "{d}");
    assert!(!d["finished_at"].is_null(), "{d}");
    // Given up: not tried again, though the endpoint stays on.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.got().len(), 2);
    let hook = app
        .get(&format!("/api/v1/webhooks/{webhook}"), &admin.token)
        .await
        .1;
    assert_eq!(hook["enabled"], true, "{hook}");
}

#[tokio::test]
async fn the_delivery_log_forgets_what_is_older_than_30_days() {
    use entity::{webhook_attempt, webhook_delivery, webhook_event};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = app().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let receiver = Receiver::start().await;
    let partner = client(&app, &admin, Some(org), &["catalog:read"]).await;
    let (webhook, _) = endpoint(&app, &admin, partner, &receiver.url, &["edition.published"]).await;
    for days in [30, 31, 32] {
        app.open_edition(&admin, days, json!({"capacity": 10}))
            .await;
    }
    receiver.wait_for(3, Duration::from_secs(20)).await;
    let mut list = Vec::new();
    for _ in 0..100 {
        list = deliveries(&app, &admin, webhook).await;
        if list.len() == 3 && list.iter().all(|d| d["status"] == "delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        list.len() == 3 && list.iter().all(|d| d["status"] == "delivered"),
        "{list:?}"
    );
    let id = |d: &Value, field: &str| -> Uuid { d[field].as_str().unwrap().parse().unwrap() };
    let (old, recent, waiting) = (&list[0], &list[1], &list[2]);
    let now = academy::domain::now();
    // One delivered 31 days ago, one 29 days ago, and one of 31 days ago still queued
    // (due again tomorrow).
    for (d, age, queued) in [(old, 31, false), (recent, 29, false), (waiting, 31, true)] {
        let then = now - chrono::Duration::days(age);
        let mut update = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::CreatedAt, Expr::value(then))
            .filter(webhook_delivery::Column::Id.eq(id(d, "id")));
        if queued {
            update = update
                .col_expr(
                    webhook_delivery::Column::Status,
                    Expr::value(entity::DeliveryStatus::Queued),
                )
                .col_expr(
                    webhook_delivery::Column::DueAt,
                    Expr::value(now + chrono::Duration::days(1)),
                );
        }
        update.exec(&app.state.db).await.unwrap();
        webhook_event::Entity::update_many()
            .col_expr(webhook_event::Column::OccurredAt, Expr::value(then))
            .filter(webhook_event::Column::Id.eq(id(d, "event_id")))
            .exec(&app.state.db)
            .await
            .unwrap();
    }

    let gone = academy::domain::webhooks::deliveries::forget_old(&app.state.db, now)
        .await
        .unwrap();
    assert_eq!(gone, 1);
    let left: Vec<Uuid> = deliveries(&app, &admin, webhook)
        .await
        .iter()
        .map(|d| id(d, "id"))
        .collect();
    assert_eq!(left, [id(recent, "id"), id(waiting, "id")]);
    // The old delivery's attempts and event go with it; the others' stay.
    let attempts_of = |d: &Value| {
        webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::DeliveryId.eq(id(d, "id")))
            .all(&app.state.db)
    };
    assert!(attempts_of(old).await.unwrap().is_empty());
    assert_eq!(attempts_of(recent).await.unwrap().len(), 1);
    assert_eq!(attempts_of(waiting).await.unwrap().len(), 1);
    let event = |d: &Value| webhook_event::Entity::find_by_id(id(d, "event_id")).one(&app.state.db);
    assert!(event(old).await.unwrap().is_none());
    assert!(event(recent).await.unwrap().is_some());
    assert!(event(waiting).await.unwrap().is_some());
}
