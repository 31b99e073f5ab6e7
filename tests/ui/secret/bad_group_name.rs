// Group names become `secret-<group>` keys and label parts: lowercase words and dashes.
use databag::{Databag, SecretUri};

#[derive(Databag)]
struct Response {
    #[databag(secret_uri = "Db_Admin")]
    secret_admin: Option<SecretUri>,
}

fn main() {}
