//! The temporary PostgreSQL server starts, accepts a database and stops on drop.

use spec_kitty_events_testkit::pg_server::TempPostgres;

#[test]
fn temp_server_starts_and_stops() {
    let server = TempPostgres::start();
    let url = server.create_database("probe");
    assert!(url.contains(&server.port().to_string()));
    let port = server.port();
    drop(server);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "server still listening after drop"
    );
}
