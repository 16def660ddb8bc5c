//! The request inspector end to end: a real bore tunnel on loopback to a real HTTP service
//! (tests/fixtures/inspector-service), requests sent through the tunnel's public address, and what
//! `nexsock tunnel requests` and `nexsock tunnel replay` make of them; requests sent to the
//! recording proxy's port directly, not through the tunnel, are told apart (bore runs in the host,
//! the localtunnel stand-in is an agent process). The cloudflared and localtunnel stand-ins'
//! upstream is checked in tests/provider_fakes.rs.

use std::{
    io::{Read, Write},
    net::TcpStream,
    os::unix::fs::MetadataExt,
    time::Duration,
};

use nexsock_tests::{BoreServer, TestHost, fixture, free_port, wait_for};
use serde_json::{Value, json};

const T: Duration = Duration::from_secs(30);

/// One HTTP response as read off the socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn authority(url: &str) -> &str {
    url.strip_prefix("http://").unwrap().trim_end_matches('/')
}

fn connect(url: &str) -> Option<TcpStream> {
    let stream = TcpStream::connect(authority(url)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    Some(stream)
}

/// A masked WebSocket text frame, as a client sends it (payload under 126 bytes).
fn ws_text_frame(text: &str) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x81, 0x80 | u8::try_from(text.len()).expect("a short message")];
    frame.extend(mask);
    frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// Reads one response: the head, then `Content-Length` bytes (none for a 101).
fn read_answer(stream: &mut TcpStream) -> Option<Answer> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).ok()?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("content-length")))
        .map_or(Some(0), |(_, v)| v.trim().parse::<usize>().ok())?;
    let mut body = vec![0; length];
    stream.read_exact(&mut body).ok()?;
    Some(Answer { status, head, body })
}

/// Sends `request` (head and body) on a new connection to `url`; the answer, or `None` when the
/// tunnel does not carry it (yet).
fn send(url: &str, request: &str) -> Option<Answer> {
    let mut stream = connect(url)?;
    stream.write_all(request.as_bytes()).ok()?;
    read_answer(&mut stream)
}

fn get(url: &str, path: &str) -> Option<Answer> {
    send(url, &format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", authority(url)))
}

/// `web`, the inspector's test service, behind a bore tunnel; returns the public URL once a
/// request reaches the service through it, and the service's port.
fn tunnelled_service(host: &TestHost, server: &BoreServer) -> (String, u16) {
    tunnelled_through(host, &["--provider", "bore", "--server", &server.ip.to_string()])
}

/// `web` behind a tunnel of a profile made with `profile` (`--provider ...`); as
/// [`tunnelled_service`].
fn tunnelled_through(host: &TestHost, profile: &[&str]) -> (String, u16) {
    let mut add = vec!["profile", "add", "team"];
    add.extend_from_slice(profile);
    host.ok(add);
    let port = free_port();
    let command = format!("exec python3 '{}' {port}", fixture("inspector-service").display());
    host.ok(["service", "add", "web", "--command", &command, "--port", &port.to_string(), "--health", "tcp"]);
    let started = host.json(["service", "start", "web", "--tunnel"]);
    let url = started["public_url"].as_str().unwrap().to_owned();
    let warm = wait_for("a request through the tunnel", T, || get(&url, "/hello?warm=1").filter(|a| a.status == 200));
    assert_eq!(warm.text(), "hello GET /hello?warm=1");
    (url, port)
}

fn requests(host: &TestHost, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["tunnel", "requests", "web"];
    args.extend_from_slice(extra);
    host.json(args).as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], method: &str, path: &str) -> &'a Value {
    list.iter()
        .find(|e| e["method"] == method && e["path"] == path)
        .unwrap_or_else(|| panic!("no {method} {path} in {list:#?}"))
}

fn header<'a>(headers: &'a Value, name: &str) -> Option<&'a str> {
    headers.as_array().unwrap().iter().find(|h| h["name"] == name).and_then(|h| h["value"].as_str())
}

/// How often the service printed `line` (it prints one per request it answered).
fn times_seen(host: &TestHost, line: &str) -> usize {
    host.ok(["service", "logs", "web"]).lines().filter(|l| *l == line).count()
}

#[test]
fn requests_through_a_bore_tunnel_are_recorded_unchanged_masked_and_replayable() {
    let server = BoreServer::start();
    let host = TestHost::start();
    let (url, port) = tunnelled_service(&host, &server);
    let tunnel = &host.json(["tunnel", "list"])[0];
    assert_eq!(tunnel["local_port"], port);
    let proxy = tunnel["inspector_port"].as_u64().unwrap();
    assert_ne!(proxy, u64::from(port), "the provider forwards to the inspector, not to the service");

    let host_line = format!("Host: {}", authority(&url));
    // A slow client, its body half sent, holds up nobody else.
    let mut slow = connect(&url).unwrap();
    write!(slow, "POST /count?slow=1 HTTP/1.1\r\n{host_line}\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc")
        .unwrap();

    // A query string, and keep-alive: two requests on one client connection.
    let mut stream = connect(&url).unwrap();
    for n in 1..=2 {
        write!(stream, "GET /hello?n={n}&q=a%20b HTTP/1.1\r\n{host_line}\r\n\r\n").unwrap();
        let answer = read_answer(&mut stream).unwrap();
        assert_eq!((answer.status, answer.text()), (200, format!("hello GET /hello?n={n}&q=a%20b")));
    }
    drop(stream);

    // A JSON POST with a custom header and credentials.
    let json = r#"{"event":"payment.succeeded","amount":42}"#;
    let post = format!(
        "POST /echo HTTP/1.1\r\n{host_line}\r\nContent-Type: application/json\r\nX-Custom: hello-header\r\n\
         Authorization: Bearer tok-123-secret\r\nCookie: sid=cookie-secret\r\nX-Api-Key: key-secret\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    let echoed = send(&url, &post).unwrap();
    assert_eq!((echoed.status, echoed.text()), (200, json.to_owned()));
    assert!(echoed.head.contains("x-seen-custom: hello-header"), "{}", echoed.head);

    // A 404.
    assert_eq!(get(&url, "/nowhere").unwrap().status, 404);

    // A response body over the cap reaches the client whole.
    let big = get(&url, "/big?n=200000").unwrap();
    assert_eq!((big.status, big.body.len()), (200, 200_000));
    assert!(big.body.iter().all(|b| *b == b'x'));

    // A request body over the cap reaches the service whole.
    let upload = "y".repeat(150_000);
    let counted = send(
        &url,
        &format!("POST /count HTTP/1.1\r\n{host_line}\r\nContent-Length: 150000\r\nConnection: close\r\n\r\n{upload}"),
    )
    .unwrap();
    assert_eq!(counted.text(), "150000");

    // A WebSocket upgrade becomes a raw two-way stream: the handshake (RFC 6455's own example key
    // and accept value) and masked client frames pass through, echoed frames come back.
    let mut ws = connect(&url).unwrap();
    write!(
        ws,
        "GET /ws HTTP/1.1\r\n{host_line}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .unwrap();
    let switched = read_answer(&mut ws).unwrap();
    assert_eq!(switched.status, 101, "{}", switched.head);
    assert!(switched.head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{}", switched.head);
    for message in ["ping", "and a longer pong"] {
        ws.write_all(&ws_text_frame(message)).unwrap();
        let mut head = [0u8; 2];
        ws.read_exact(&mut head).unwrap();
        assert_eq!(head, [0x81, u8::try_from(message.len()).unwrap()], "an unmasked text frame back");
        let mut back = vec![0; message.len()];
        ws.read_exact(&mut back).unwrap();
        assert_eq!(String::from_utf8(back).unwrap(), message);
    }
    drop(ws);

    // The slow client's body ends now, after everything else was answered.
    slow.write_all(b"defghij").unwrap();
    assert_eq!(read_answer(&mut slow).unwrap().text(), "10");
    drop(slow);

    let list = wait_for("every exchange to be recorded", T, || {
        let list = requests(&host, &[]);
        (list.len() >= 9).then_some(list)
    });
    let ids: Vec<u64> = list.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    let slow_id = find(&list, "POST", "/count?slow=1")["id"].as_u64().unwrap();
    assert_eq!(ids.last(), Some(&slow_id), "listed as recorded: the slow one came early, ended last");
    let others = &ids[..ids.len() - 1];
    assert!(others.windows(2).all(|w| w[0] < w[1]) && others.last() > Some(&slow_id), "{ids:?}");

    let query = find(&list, "GET", "/hello?n=2&q=a%20b");
    assert_eq!(
        (query["status"].as_u64(), query["response_body"]["data"].as_str()),
        (Some(200), Some("hello GET /hello?n=2&q=a%20b"))
    );
    assert!(query["client_addr"].as_str().unwrap().starts_with("127.0.0.1:"), "{query}");
    assert_eq!(header(&query["response_headers"], "set-cookie"), Some("********"));

    let post = find(&list, "POST", "/echo");
    assert_eq!(post["status"], 200);
    assert_eq!(
        post["request_body"],
        serde_json::json!({"data": json, "base64": false, "size": json.len(), "truncated": false})
    );
    assert_eq!(post["response_body"]["data"], json);
    assert_eq!(header(&post["request_headers"], "content-type"), Some("application/json"));
    assert_eq!(header(&post["request_headers"], "x-custom"), Some("hello-header"));
    assert_eq!(header(&post["request_headers"], "authorization"), Some("********"));
    assert_eq!(header(&post["request_headers"], "cookie"), Some("********"));
    assert_eq!(header(&post["request_headers"], "x-api-key"), Some("key-secret"), "not masked unless configured");
    assert_eq!(header(&post["response_headers"], "x-seen-custom"), Some("hello-header"));
    let masked_output = host.ok(["tunnel", "requests", "web", "--json"]);
    assert!(!masked_output.contains("tok-123-secret") && !masked_output.contains("cookie-secret"), "{masked_output}");

    assert_eq!(find(&list, "GET", "/nowhere")["status"], 404);

    let big = &find(&list, "GET", "/big?n=200000")["response_body"];
    assert_eq!((big["size"].as_u64(), big["truncated"].as_bool()), (Some(200_000), Some(true)));
    assert_eq!(big["data"].as_str().unwrap().len(), 64 * 1024);
    let slow = find(&list, "POST", "/count?slow=1");
    assert_eq!(
        (slow["request_body"]["data"].as_str(), slow["response_body"]["data"].as_str()),
        (Some("abcdefghij"), Some("10"))
    );
    let upload = &find(&list, "POST", "/count")["request_body"];
    assert_eq!((upload["size"].as_u64(), upload["truncated"].as_bool()), (Some(150_000), Some(true)));

    let ws = find(&list, "GET", "/ws");
    assert_eq!((ws["status"].as_u64(), header(&ws["response_headers"], "upgrade")), (Some(101), Some("websocket")));

    // --reveal shows the credentials; config.toml's masked_headers masks more.
    let revealed = requests(&host, &["--reveal"]);
    let post_revealed = find(&revealed, "POST", "/echo");
    assert_eq!(header(&post_revealed["request_headers"], "authorization"), Some("Bearer tok-123-secret"));
    assert_eq!(header(&post_revealed["request_headers"], "cookie"), Some("sid=cookie-secret"));
    let config = host.home().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("masked_headers = [\"X-Api-Key\"]\n{text}")).unwrap();
    let list = requests(&host, &[]);
    assert_eq!(header(&find(&list, "POST", "/echo")["request_headers"], "x-api-key"), Some("********"));

    // --limit keeps the newest; the text table has a row per exchange.
    let last_two = requests(&host, &["--limit", "2"]);
    assert_eq!(
        last_two.iter().map(|e| e["id"].clone()).collect::<Vec<_>>(),
        list[list.len() - 2..].iter().map(|e| e["id"].clone()).collect::<Vec<_>>()
    );
    let table = host.ok(["tunnel", "requests", "web"]);
    assert!(table.lines().next().unwrap().contains("METHOD"), "{table}");
    assert!(table.lines().any(|l| l.contains("POST") && l.contains(" 200 ") && l.ends_with("/echo")), "{table}");

    // A replay goes straight to the service, with the original (unmasked) credentials.
    let post_id = post["id"].as_u64().unwrap();
    assert_eq!(times_seen(&host, "seen POST /echo"), 1);
    let replay = host.json(["tunnel", "replay", "web", &post_id.to_string()]);
    assert_eq!((replay["replay_of"].as_u64(), replay["status"].as_u64()), (Some(post_id), Some(200)));
    assert!(replay["id"].as_u64().unwrap() > *ids.iter().max().unwrap());
    assert_eq!(replay["response_body"]["data"], json);
    assert_eq!(header(&replay["response_headers"], "x-seen-auth"), Some("yes"));
    assert_eq!(header(&replay["request_headers"], "authorization"), Some("********"));
    assert!(replay["client_addr"].is_null(), "{replay}");
    assert_eq!(times_seen(&host, "seen POST /echo"), 2, "the service saw the request again");
    let listed = requests(&host, &[]);
    assert_eq!(listed.last().unwrap()["replay_of"].as_u64(), Some(post_id), "recorded as a replay");
    let table = host.ok(["tunnel", "requests", "web", "--limit", "1"]);
    assert!(table.contains(&format!("replay of {post_id}")), "{table}");

    // A request whose body was not kept whole cannot be replayed; an unknown id is refused.
    let upload_id = find(&list, "POST", "/count")["id"].to_string();
    let err = host.fails(["tunnel", "replay", "web", &upload_id]);
    assert!(err.contains("cannot be replayed") && err.contains("150000 bytes"), "{err}");
    let err = host.fails(["tunnel", "replay", "web", "9999"]);
    assert!(err.contains("has no exchange 9999"), "{err}");
}

#[test]
fn a_service_that_is_down_answers_502_through_the_tunnel_and_the_exchange_says_why() {
    let server = BoreServer::start();
    let host = TestHost::start();
    host.ok(["profile", "add", "team", "--provider", "bore", "--server", &server.ip.to_string()]);
    // Nothing listens on its port: the service is never started.
    let port = free_port().to_string();
    host.ok(["service", "add", "web", "--command", "exec sleep 1000", "--port", &port]);
    let url = host.json(["tunnel", "open", "web"])["public_url"].as_str().unwrap().to_owned();
    let answer = wait_for("a 502 through the tunnel", T, || get(&url, "/hook?x=1").filter(|a| a.status == 502));
    assert!(answer.text().contains("not reachable"), "{}", answer.text());
    let list = requests(&host, &[]);
    let exchange = find(&list, "GET", "/hook?x=1");
    assert_eq!(exchange["status"], 502);
    let error = exchange["error"].as_str().unwrap();
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    // Its replay reaches nothing either, and says so.
    let id = exchange["id"].to_string();
    let replay = host.json(["tunnel", "replay", "web", &id]);
    assert_eq!(replay["status"], 502);
    assert!(replay["error"].as_str().unwrap().contains("not reachable"), "{replay}");
}

#[test]
fn closing_the_tunnel_frees_the_inspector_port_and_drops_its_requests() {
    let server = BoreServer::start();
    let host = TestHost::start();
    let (url, _) = tunnelled_service(&host, &server);
    let proxy = host.json(["tunnel", "list"])[0]["inspector_port"].as_u64().unwrap();
    let proxy = u16::try_from(proxy).unwrap();
    assert!(get(&url, "/hello?before=close").is_some());
    assert!(requests(&host, &[]).len() >= 2);

    host.ok(["tunnel", "close", "web"]);
    wait_for("the inspector's port to be free", T, || TcpStream::connect(("127.0.0.1", proxy)).is_err().then_some(()));
    let err = host.fails(["tunnel", "requests", "web"]);
    assert!(err.contains("`web` has no tunnel open"), "{err}");
    let err = host.fails(["tunnel", "requests", "ghost"]);
    assert!(err.contains("no service named `ghost`"), "{err}");

    let url = host.json(["tunnel", "open", "web"])["public_url"].as_str().unwrap().to_owned();
    let answer = wait_for("a request through the new tunnel", T, || get(&url, "/hello?after=reopen"));
    assert_eq!(answer.status, 200);
    let list = requests(&host, &[]);
    assert_eq!(list.len(), 1, "a new tunnel starts with an empty ring: {list:#?}");
    assert_eq!((list[0]["id"].as_u64(), list[0]["path"].as_str()), (Some(1), Some("/hello?after=reopen")));
}

#[test]
fn follow_prints_each_new_request_as_it_is_recorded() {
    let server = BoreServer::start();
    let host = TestHost::start();
    let (url, _) = tunnelled_service(&host, &server);
    let mut follower = host.follow(&["tunnel", "requests", "web", "-f", "--json", "--limit", "1"]);
    let rx = &follower.lines;
    // It starts with the newest request recorded so far: from then on it follows.
    let first: Value = serde_json::from_str(&rx.recv_timeout(T).expect("the newest request")).unwrap();
    assert_eq!(first["path"], "/hello?warm=1");
    for n in 1..=2 {
        let path = format!("/hello?follow={n}");
        assert_eq!(get(&url, &path).unwrap().status, 200);
        let line = rx.recv_timeout(T).expect("a line for the new request");
        let exchange: Value = serde_json::from_str(&line).unwrap();
        assert_eq!((exchange["path"].as_str(), exchange["status"].as_u64()), (Some(path.as_str()), Some(200)));
    }
    // Closing the tunnel ends the follower.
    host.ok(["tunnel", "close", "web"]);
    let status = wait_for("the follower to end", T, || follower.child.try_wait().unwrap());
    assert!(status.success());
}

#[test]
fn each_recorded_exchange_and_replay_is_an_event_without_its_headers() {
    let server = BoreServer::start();
    let host = TestHost::start();
    let (url, _) = tunnelled_service(&host, &server);
    let events = host.follow(&["events", "--service", "web", "--json"]);
    let rx = &events.lines;
    // Reads events until an ExchangeRecorded of `web` with `id` (any, when none is given).
    let recorded = |id: Option<u64>, within: Duration| loop {
        let line = rx.recv_timeout(within).ok()?;
        assert!(!line.contains("s3cret-event"), "an event carries no header value: {line}");
        let event: Value = serde_json::from_str(&line).unwrap();
        if event["type"] == "ExchangeRecorded"
            && event["data"]["service"] == "web"
            && id.is_none_or(|id| event["data"]["exchange_id"] == id)
        {
            return Some(event["data"].clone());
        }
    };
    // Subscribed once a request made after the subscription shows up.
    wait_for("the subscription", T, || {
        assert_eq!(get(&url, "/hello?probe=1").unwrap().status, 200);
        recorded(None, Duration::from_millis(500))
    });
    let request = format!(
        "GET /hello?event=1 HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer s3cret-event\r\nConnection: close\r\n\r\n",
        authority(&url)
    );
    assert_eq!(send(&url, &request).unwrap().status, 200);
    let id = wait_for("the request recorded", T, || {
        requests(&host, &[]).iter().find(|e| e["path"] == "/hello?event=1").and_then(|e| e["id"].as_u64())
    });
    recorded(Some(id), T).expect("the request's event");
    let replay = host.json(["tunnel", "replay", "web", &id.to_string()]);
    let replay_id = replay["id"].as_u64().unwrap();
    assert_eq!(replay["replay_of"].as_u64(), Some(id));
    recorded(Some(replay_id), T).expect("the replay's event");
}

/// The recording proxy of `web`'s tunnel, as a URL any local process can send to.
fn proxy_url(host: &TestHost) -> String {
    format!("http://127.0.0.1:{}", host.json(["tunnel", "list"])[0]["inspector_port"])
}

/// The exchange of `path`, once recorded (it is, just after its response ended).
fn recorded(host: &TestHost, path: &str) -> Value {
    wait_for(&format!("{path} to be recorded"), T, || requests(host, &[]).into_iter().find(|e| e["path"] == path))
}

/// What the proxy records of a request this test process sends it directly.
fn assert_sent_by_this_test(exchange: &Value) {
    let via = &exchange["via"];
    assert_eq!(via["kind"], "local", "{exchange:#}");
    assert_eq!(via["pid"], std::process::id(), "{via}");
    assert_eq!(via["uid"], std::fs::metadata("/proc/self").unwrap().uid(), "{via}");
    let exe = std::env::current_exe().unwrap();
    assert!(via["command"].as_str().unwrap().starts_with(exe.to_str().unwrap()), "{via}");
}

#[test]
fn a_request_to_the_proxy_port_is_marked_local_with_its_sender_and_one_through_the_tunnel_is_not() {
    let server = BoreServer::start();
    let host = TestHost::start();
    let (url, _) = tunnelled_service(&host, &server);
    assert_eq!(get(&url, "/hello?via=tunnel").unwrap().status, 200);
    assert_eq!(get(&proxy_url(&host), "/hello?via=local").unwrap().status, 200);

    // bore runs inside the host: its connections come from the host's own process.
    assert_eq!(recorded(&host, "/hello?via=tunnel")["via"], json!({"kind": "tunnel"}));
    let local = recorded(&host, "/hello?via=local");
    assert_sent_by_this_test(&local);

    let table = host.ok(["tunnel", "requests", "web"]);
    let row = |path: &str| table.lines().find(|l| l.contains(path)).unwrap_or_else(|| panic!("{path}: {table}"));
    assert!(row("/hello?via=local").contains(&format!("(local pid {}: ", std::process::id())), "{table}");
    assert!(!row("/hello?via=tunnel").contains("local"), "{table}");

    // nexsock's own replay is marked as one, not as local.
    let replay = host.json(["tunnel", "replay", "web", &local["id"].to_string()]);
    assert_eq!(replay["via"], json!({"kind": "replay"}));
}

#[test]
fn behind_an_agent_process_only_its_connections_are_the_tunnels() {
    let host = TestHost::start();
    let fake_lt = fixture("fake-lt");
    let (url, _) = tunnelled_through(&host, &["--provider", "localtunnel", "--binary", fake_lt.to_str().unwrap()]);
    assert_eq!(get(&url, "/hello?via=lt").unwrap().status, 200);
    assert_eq!(get(&proxy_url(&host), "/hello?via=direct").unwrap().status, 200);

    // The stand-in forwards from its own process, the leader of the group nexsock started.
    assert_eq!(recorded(&host, "/hello?via=lt")["via"], json!({"kind": "tunnel"}));
    assert_sent_by_this_test(&recorded(&host, "/hello?via=direct"));
}
