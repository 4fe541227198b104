//! A second process on the SQLite file of `tests/tests/test_sqlite.rs`.
//!
//! - `sqlite_worker <file> log-in <owner> <n>`: saves `n` sessions logged in
//!   as `owner`, printing each id on a line;
//! - `sqlite_worker <file> set-name <id> <n>`: `n` times, reads the session
//!   `id` and sets its name to `worker-<i>`.

use std::io::Write as _;

use session_schema::{Session, SessionStorage as _, SqliteStorage};
use session_tests::App;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, command, what, count] = args.as_slice() else {
        eprintln!("usage: sqlite_worker <file> log-in <owner> <n> | set-name <id> <n>");
        std::process::exit(2);
    };
    let storage = SqliteStorage::open(file).await.expect("the file opens");
    let n: usize = count.parse().expect("a count");
    match command.as_str() {
        "log-in" => {
            let owner: u64 = what.parse().expect("an owner");
            let mut out = std::io::stdout().lock();
            for _ in 0..n {
                let session = Session::<App>::new().log_in(owner);
                let id = storage.save(&session).await.expect("saved").expect("an id");
                writeln!(out, "{id}").expect("stdout");
            }
        }
        "set-name" => {
            for i in 0..n {
                let mut session: Session<App> = storage.read(Some(what)).await.expect("read");
                session.set(App::NAME, format!("worker-{i}"));
                storage.save(&session).await.expect("saved");
            }
        }
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}
