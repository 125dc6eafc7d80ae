//! The REPL in a real pseudo-terminal (expectrl): prompt, type-aware Tab completion,
//! multi-line input, Ctrl-C during a long run (the session lives on), and history across
//! sessions.

#[cfg(unix)]
#[test]
fn repl_in_a_pty_completes_interrupts_and_remembers() {
    use expectrl::{ControlCode, Session};
    use std::process::Command;
    use std::time::Duration;

    let home = tempfile::tempdir().unwrap();
    let spawn = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ssnlab"));
        c.env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("TERM", "xterm");
        let mut p = Session::spawn(c).expect("spawn the REPL in a pty");
        p.set_expect_timeout(Some(Duration::from_secs(30)));
        p
    };
    let mut p = spawn();
    p.expect("ssnlab> ").expect("prompt");

    // Type-aware completion: `net.ru<Tab>` completes to the method `run`.
    p.send_line("let net = lif_network(paper_network(\"fig2\"));")
        .unwrap();
    p.expect("ssnlab> ").unwrap();
    p.send("net.ru").unwrap();
    p.send("\t").unwrap();
    p.send("(#{ mu: 19, duration: 50, progress: false }).status\r")
        .unwrap();
    p.expect("finished").expect("the completed method ran");
    p.expect("ssnlab> ").unwrap();

    // Multi-line input.
    let pause = || std::thread::sleep(Duration::from_millis(300));
    p.send_line("fn twice(x) {").unwrap();
    pause();
    p.send_line("  x * 2").unwrap();
    pause();
    p.send_line("}").unwrap();
    pause();
    p.send_line("twice(521)").unwrap();
    p.expect("1042").unwrap();

    // Ctrl-C during a long run: the run stops, the session lives on.
    p.send_line("let r = net.run(#{ mu: 19, duration: 200000, progress: false });")
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("interrupted").expect("a note after Ctrl-C");
    pause();
    p.send_line("r.status").unwrap();
    p.expect("interrupted").unwrap();
    pause();
    p.send_line("40 + 2002").unwrap();
    p.expect("2042").unwrap();
    pause();
    p.send_line("exit").unwrap();
    p.expect(expectrl::Eof).unwrap();

    // History across sessions: two steps up is `40 + 2002`.
    let mut q = spawn();
    q.expect("ssnlab> ").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    q.send("\x1b[A\x1b[A\r").unwrap();
    q.expect("2042").expect("history from the last session");
    q.send_line(":quit").unwrap();
    q.expect(expectrl::Eof).unwrap();
}
